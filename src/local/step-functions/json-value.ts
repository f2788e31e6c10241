/** A JSON value, as states pass them to each other. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
