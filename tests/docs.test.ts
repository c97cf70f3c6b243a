// The README and the reference pages under docs/ (and each folder's README): every local link leads to a file that
// exists and, in a Markdown file, to a heading GitHub renders with that anchor; the README links every docs page.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { repositoryRoot } from "../harness";
import { brokenLinks, markdownAnchors } from "./support/markdown";

const docsDir = path.join(repositoryRoot, "docs");
const docsPages = fs
    .readdirSync(docsDir)
    .filter((file) => file.endsWith(".md"))
    .map((file) => path.join("docs", file));
/** The READMEs of the project's own folders (app/, bootstrap/, policy/, ...). */
const folderReadmes = fs
    .readdirSync(repositoryRoot, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "node_modules")
    .map((entry) => path.join(entry.name, "README.md"))
    .filter((file) => fs.existsSync(path.join(repositoryRoot, file)));
const pages = ["README.md", ...docsPages, ...folderReadmes];

describe("README and docs/", () => {
    it("has reference pages", () => {
        for (const page of ["configuration.md", "runbook.md", "iam.md", "versions.md"]) assert.ok(docsPages.includes(path.join("docs", page)), page);
    });

    for (const page of pages) {
        it(`${page}: every local link leads to a file, and to a heading of it`, () => {
            assert.deepEqual(brokenLinks(repositoryRoot, page), []);
        });
    }

    it("the README links every docs page", () => {
        const readme = fs.readFileSync(path.join(repositoryRoot, "README.md"), "utf8");
        for (const page of docsPages) assert.match(readme, new RegExp(`\\]\\(${page.replace(/\./g, "\\.")}(#[^)]*)?\\)`), page);
    });
});

describe("GitHub's heading anchors", () => {
    it("lower-cases, drops punctuation, joins words with hyphens and numbers repeats", () => {
        const anchors = markdownAnchors(["# Alert: AppDown", "## Cost and time of a first up", "### Moving an existing stack's repository", "## Notes", "## Notes", "```sh", "# a comment, not a heading", "```", "## `pulumi` 3.x & more"].join("\n"));
        assert.deepEqual([...anchors], ["alert-appdown", "cost-and-time-of-a-first-up", "moving-an-existing-stacks-repository", "notes", "notes-1", "pulumi-3x--more"]);
    });
});
