export * from './event-streams';
export * from './topic-archive';
