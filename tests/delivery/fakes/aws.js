#!/usr/bin/env node
// Stand-in for the AWS CLI's ECR calls in the image scripts' tests. Images live in FAKE_ECR_IMAGES, a JSON file
// of { "<repository name>:<tag>": "<digest>" } shared with the fake docker; calls are logged to FAKE_LOG.
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["aws", ...args]) + "\n");
const option = (name) => args[args.indexOf(name) + 1];

if (args[0] === "ecr" && args[1] === "get-login-password") {
    console.log("fake-password");
} else if (args[0] === "ecr" && args[1] === "describe-images") {
    const images = JSON.parse(fs.readFileSync(process.env.FAKE_ECR_IMAGES, "utf8"));
    const tag = option("--image-ids").replace(/^imageTag=/, "");
    const digest = images[`${option("--repository-name")}:${tag}`];
    if (digest === undefined) {
        console.error(`An error occurred (ImageNotFoundException) when calling the DescribeImages operation: tag ${tag} not found`);
        process.exit(254);
    }
    console.log(digest);
} else {
    console.error(`fake aws: unexpected call: ${args.join(" ")}`);
    process.exit(2);
}
