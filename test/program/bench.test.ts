import { strict as assert } from "assert";
import { isWeb, parseStackConfig } from "../../config";
import { median, percentile, syntheticStackConfig } from "../../offline/bench";
import { configValues } from "../../offline/stackFiles";

describe("bench helpers", () => {
    it("median and nearest-rank percentiles", () => {
        assert.equal(median([5, 1, 3]), 3);
        assert.equal(median([4, 1, 3, 2]), 2);
        assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
        assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), 5);
        assert.ok(Number.isNaN(median([])));
    });

    it("synthetic stacks are valid configs that cycle through every deployment mode", () => {
        const cfg = parseStackConfig(configValues("ecs-deploy", "synthetic-7", syntheticStackConfig(7)));
        assert.equal(cfg.services.length, 7);
        assert.deepEqual([...new Set(cfg.services.filter(isWeb).map((s) => s.deployment.mode))].sort(), ["bluegreen", "codedeploy", "rolling"]);
        assert.equal(new Set(cfg.services.filter(isWeb).map((s) => s.routing.pathPatterns?.[0])).size, 7);
    });
});
