import { strict as assert } from "assert";
import fc from "fast-check";
import { copyPlain } from "../../offline/copy";
import { runProgram, structCopy } from "../../offline/engine";
import { structpb } from "../../offline/sdkStruct";


describe("offline engine: requests without the protobuf round trip", () => {
    it("copies a JSON value exactly as a Struct round trip returns it, key order included", () => {
        fc.assert(
            fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
                assert.equal(JSON.stringify(structCopy(value)), JSON.stringify(structpb.Struct.fromJavaScript(value).toJavaScript()));
            }),
            { numRuns: 300 },
        );
    });

    it("records the same resources, inputs, outputs and key order as a run through protobuf", async () => {
        const fast = await runProgram({ stack: "prod" });
        const encoded = await runProgram({ stack: "prod", protobuf: true });
        assert.ifError(fast.error);
        assert.ok(fast.resources.length > 50);
        assert.equal(JSON.stringify(fast.resources), JSON.stringify(encoded.resources));
        assert.equal(JSON.stringify(fast.outputs), JSON.stringify(encoded.outputs));
    });
});

describe("offline copyPlain (the day-2 model's copies of state and live values)", () => {
    it("copies plain data as structuredClone does, sharing no object with the original", () => {
        fc.assert(
            fc.property(fc.jsonValue(), (value) => {
                const copied = copyPlain(value);
                assert.deepStrictEqual(copied, structuredClone(value));
                const shared = (a: unknown, b: unknown): boolean =>
                    a !== null && typeof a === "object" && (a === b || Object.keys(a).some((k) => shared((a as any)[k], (b as any)[k])));
                assert.ok(!shared(copied, value));
            }),
            { numRuns: 200 },
        );
    });

    it("keeps an own __proto__ key a key (JSON.parse makes one), as structuredClone does", () => {
        const value = JSON.parse('{"__proto__": [1], "a": {"__proto__": {"b": 2}}}') as Record<string, unknown>;
        const copied = copyPlain(value);
        assert.deepStrictEqual(copied, structuredClone(value));
        assert.equal(Object.getPrototypeOf(copied), Object.prototype);
        assert.deepEqual(Object.keys(copied), ["__proto__", "a"]);
    });

    it("leaves other objects (a Date, a Map) to structuredClone", () => {
        const value = { at: new Date(0), seen: new Map([["a", 1]]) };
        const copied = copyPlain(value);
        assert.ok(copied.at instanceof Date && copied.at !== value.at && copied.at.getTime() === 0);
        assert.ok(copied.seen instanceof Map && copied.seen !== value.seen && copied.seen.get("a") === 1);
    });
});
