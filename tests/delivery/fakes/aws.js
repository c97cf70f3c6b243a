#!/usr/bin/env node
// Stand-in for the AWS CLI's ECR calls in the image and repository scripts' tests. Images live in FAKE_ECR_IMAGES, a
// JSON file of { "<repository name>:<tag>": "<digest>" } shared with the fake docker; repositories in
// FAKE_ECR_REPOSITORIES, a JSON list of names; FAKE_AWS_ERROR, when set, is the error code every ECR call fails
// with. Errors are worded and exit as the real CLI's (exit 254 for a service error). Calls are logged to FAKE_LOG.
const fs = require("node:fs");

const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(["aws", ...args]) + "\n");
const option = (name) => args[args.indexOf(name) + 1];

const serviceError = (code, operation, message) => {
    console.error(`\nAn error occurred (${code}) when calling the ${operation} operation: ${message}`);
    process.exit(254);
};
if (process.env.FAKE_AWS_ERROR) {
    serviceError(process.env.FAKE_AWS_ERROR, "DescribeRepositories", "User: arn:aws:sts::123456789012:assumed-role/eks-app-staging-deploy/run is not authorized to perform this action");
} else if (args[0] === "ecr" && args[1] === "describe-repositories") {
    const name = option("--repository-names");
    if (!JSON.parse(process.env.FAKE_ECR_REPOSITORIES || "[]").includes(name)) {
        serviceError("RepositoryNotFoundException", "DescribeRepositories", `The repository with name '${name}' does not exist in the registry with id '123456789012'`);
    }
    console.log(`123456789012.dkr.ecr.${option("--region")}.amazonaws.com/${name}`);
} else if (args[0] === "ecr" && args[1] === "get-login-password") {
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
