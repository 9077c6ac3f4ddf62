export * from './spark-application';
