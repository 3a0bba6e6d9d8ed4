/**
 * A value an object built by `defineAgentDO` carries for the test kit (its clock, its test port):
 * kept under a symbol, so that it is no RPC method and no name a subclass could take, and read
 * back only by code running inside the object (`runInDurableObject`).
 */
export interface HiddenSlot<T> {
  keep(object: object, value: T): void;
  of(object: object): T;
}

export function hiddenSlot<T>(name: string): HiddenSlot<T> {
  const key = Symbol.for(`durable-triggers.${name}`);
  return {
    keep(object, value) {
      Object.defineProperty(object, key, { value, enumerable: false });
    },
    of(object) {
      const value = (object as { [key]?: T })[key];
      if (value === undefined) throw new TypeError(`${name}: not an instance of a class built by defineAgentDO`);
      return value;
    },
  };
}
