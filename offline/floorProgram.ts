// The floor of the bench's runtime rows: the least a Pulumi program on the AWS provider's SDK costs
// through the real runtime (`@pulumi/pulumi/cmd/run`, as `pulumi up` starts it): load @pulumi/pulumi
// and @pulumi/aws, register one resource, export one output. Run compiled (bin/offline/floorProgram.js).
import * as aws from "@pulumi/aws";

export const topicArn = new aws.sns.Topic("floor").arn;
