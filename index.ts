// `pulumi up` / `pulumi preview` entry point: validate the stack's config once (nothing is
// registered if it is invalid), build the components, export the stack outputs.
import { loadStackConfig } from "./config";
import { createStack } from "./components/stack";

export = createStack(loadStackConfig());
