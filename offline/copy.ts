/**
 * A deep copy of plain data (objects, arrays, primitives): what the offline state, AWS's live values
 * and resource inputs are. Several times faster than structuredClone on them, which the day-2
 * model calls for every resource of every simulated `pulumi up`. Anything else (a Date, a Map) is
 * left to structuredClone.
 */
export function copyPlain<T>(value: T): T {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return value.map(copyPlain) as T;
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return structuredClone(value);
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
        const copied = copyPlain((value as Record<string, unknown>)[key]);
        // An own "__proto__" key (JSON.parse makes one) stays a key: assigning it would set the prototype.
        if (key === "__proto__") Object.defineProperty(out, key, { value: copied, enumerable: true, writable: true, configurable: true });
        else out[key] = copied;
    }
    return out as T;
}
