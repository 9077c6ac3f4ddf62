export * from './event-streams';
export * from './topic-archive';
export * from './topic-archive-pipe';
