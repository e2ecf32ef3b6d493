// Placeholder until the metrics issue lands.
export {};
