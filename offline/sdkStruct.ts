import * as path from "path";

/** The protobuf Struct class, with the methods the offline tools call on it. */
export interface StructModule {
    Struct: {
        new (): { toJavaScript(): Record<string, unknown> };
        fromJavaScript(value: Record<string, unknown>): { toJavaScript(): Record<string, unknown> };
    };
}

/**
 * The google-protobuf copy @pulumi/pulumi's runtime and its generated stubs use: its requests, its
 * mock monitor's responses and the analyzer messages are built with this Struct (one of another
 * copy would not serialize), and the offline engine replaces its fromJavaScript during a run.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const structpb = require(require.resolve("google-protobuf/google/protobuf/struct_pb", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/proto/resource_pb"))],
})) as StructModule;
