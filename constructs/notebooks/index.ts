export * from './notebook-domain';
