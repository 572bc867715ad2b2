/**
 * Entry point of the CrossGuard policy pack: `pulumi preview --policy-pack policies`.
 * Works for any Pulumi program on AWS: the rules look at `aws:*` resource types only.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packArgs } from "./pack";

new PolicyPack(PACK_NAME, packArgs);
