/** k6 provides a console; @types/k6 leaves it to the DOM library, which these scripts do not load. */
declare const console: {
  log(...values: unknown[]): void;
  error(...values: unknown[]): void;
};
