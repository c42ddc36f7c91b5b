export * from './micro-batcher';
export * from './map-concurrently';
