// Compares conformance results with docs/conformance.md: Okta's spec test must have no failure;
// every failing assertion of Microsoft's collection must be listed (request | assertion) in the
// doc's table. Prints "N passed, N failed" and exits non-zero on any unexplained failure.
import { readFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [resultsDir, docPath, summaryPath] = process.argv.slice(2);
const problems = [];

const oktaText = existsSync(join(resultsDir, "okta-spec.txt")) ? readFileSync(join(resultsDir, "okta-spec.txt"), "utf8") : "";
const oktaLine = oktaText.trim().split("\n").pop() ?? "";
const okta = /(\d+) passed, (\d+) failed/.exec(oktaLine);
if (!okta) problems.push(`Okta spec test produced no result line (${join(resultsDir, "okta-spec.txt")})`);
else if (Number(okta[2]) !== 0) problems.push(`Okta spec test: ${okta[2]} assertion(s) failed:\n${oktaText.split("\n").filter((l) => /fail/i.test(l)).slice(0, 30).join("\n")}`);

const documented = new Set();
for (const line of readFileSync(docPath, "utf8").split("\n")) {
  const cells = line.split("|").map((c) => c.trim());
  if (cells.length >= 5 && cells[1] && cells[2] && !/^-+$/.test(cells[1]) && cells[1] !== "Request") documented.add(`${cells[1].replace(/`/g, "")} :: ${cells[2].replace(/`/g, "")}`);
}

let msPassed = 0;
let msFailed = 0;
const newman = join(resultsDir, "ms-newman.json");
if (!existsSync(newman)) problems.push("Microsoft's collection produced no results");
else {
  const run = JSON.parse(readFileSync(newman, "utf8")).run;
  for (const execution of run.executions) {
    for (const assertion of execution.assertions ?? []) {
      if (!assertion.error) {
        msPassed += 1;
        continue;
      }
      msFailed += 1;
      const key = `${execution.item.name} :: ${assertion.assertion}`;
      if (!documented.has(key)) problems.push(`Microsoft collection, undocumented failure: ${key} (${assertion.error.message})`);
    }
  }
}

const undocumented = problems.filter((p) => p.startsWith("Microsoft collection")).length;
console.log(`okta spec test: ${okta ? `${okta[1]} assertions passed, ${okta[2]} failed` : "no result"}`);
console.log(`microsoft collection: ${msPassed} assertions passed; ${msFailed - undocumented} documented deviations (${docPath}); ${undocumented} undocumented`);
if (summaryPath) {
  const oktaFailed = okta ? Number(okta[2]) : 1;
  const msMissing = existsSync(newman) ? 0 : 1;
  writeFileSync(summaryPath, JSON.stringify({ passed: (okta ? Number(okta[1]) : 0) + msPassed, failed: oktaFailed + undocumented + msMissing, documented: msFailed - undocumented }));
}
if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log("conformance: every failure is documented");
