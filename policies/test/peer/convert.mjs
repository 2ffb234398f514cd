/**
 * Converts checkov's public test fixtures for the checks our rules name in `anchors.checkov` into
 * Terraform JSON under policies/test/peer/checkov/<CKV_ID>/, with the verdicts checkov's own tests
 * expect (expected.json) and SOURCE.md (commit, paths, licence). Run once; its output is committed:
 *
 *   node policies/test/peer/convert.mjs <checkov git dir> [commit]
 *
 * Needs git and python3 (extract_tests.py reads checkov's Python unit tests with `ast`).
 * Cases: `main` (the example folder or graph fixture), a subfolder's name, or a test method's name
 * for the tests that hold their HCL or resource configuration inline.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";
import { fileURLToPath } from "node:url";
import { hclToJson } from "./hcl.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "../../..");
const OUT = join(HERE, "checkov");
const [gitDir, commitArg] = process.argv.slice(2);
if (gitDir === undefined) {
  console.error("usage: node policies/test/peer/convert.mjs <checkov git dir> [commit]");
  process.exit(2);
}
const git = (...args) => execFileSync("git", [`--git-dir=${gitDir}`, ...args], { maxBuffer: 1 << 28 }).toString();
const commit = git("rev-parse", commitArg ?? "HEAD").trim();
const show = (path) => git("show", `${commit}:${path}`);
const ALL = git("ls-tree", "-r", "--name-only", commit).split("\n");

/**
 * Where checkov's expectations need a decision the files do not carry: S3PublicACLRead's expected
 * list names aws_s3_bucket.public_read as passing and failing, once per folder (its
 * same_resource_name folder holds a private bucket of the same name).
 */
const OVERRIDES = {
  CKV_AWS_20: {
    same_resource_name: { "aws_s3_bucket.public_read": "PASSED" },
    main: { "aws_s3_bucket.public_read": "FAILED" },
  },
};

/** The checkov IDs our rules name, read from policies/rules (the test cross-checks the pack). */
function ourIds() {
  const ids = new Set();
  for (const service of readdirSync(join(ROOT, "policies/rules"))) {
    for (const file of readdirSync(join(ROOT, "policies/rules", service))) {
      const src = readFileSync(join(ROOT, "policies/rules", service, file), "utf8");
      const m = /checkov:\s*\[([^\]]*)\]/.exec(src);
      for (const id of m?.[1].match(/CKV2?_AWS_\d+/g) ?? []) ids.add(id);
    }
  }
  return [...ids].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
}

function checkFile(id) {
  const hits = git(
    "grep",
    "-l",
    "-E",
    `["']${id}["']`,
    commit,
    "--",
    "checkov/terraform/checks/resource/aws",
    "checkov/terraform/checks/data/aws",
    "checkov/terraform/checks/graph_checks/aws",
  )
    .split("\n")
    .filter(Boolean)
    .map((l) => l.slice(commit.length + 1));
  if (hits.length !== 1) throw new Error(`${id}: ${hits.length} check files`);
  return hits[0];
}

/** A folder's Terraform files, grouped by the folder that holds them (each is one module). */
function tfFolders(folder) {
  const groups = new Map();
  for (const f of ALL.filter((p) => p.startsWith(`${folder}/`) && p.endsWith(".tf"))) {
    const rel = posix.dirname(f.slice(folder.length + 1));
    groups.set(rel, [...(groups.get(rel) ?? []), f]);
  }
  return groups;
}

function addressesOf(json) {
  const out = [];
  for (const [mode, prefix] of [
    ["resource", ""],
    ["data", "data."],
  ]) {
    for (const [type, byName] of Object.entries(json[mode] ?? {}))
      for (const name of Object.keys(byName)) out.push(`${prefix}${type}.${name}`);
  }
  return out;
}

/** The address a checkov result names, without for_each/count keys: `aws_x.y["k"]` -> `aws_x.y`. */
const baseAddress = (a) => a.replace(/\[[^\]]*\]$/, "");

/** Writes the files of one case; returns the addresses they declare. */
function writeCase(dir, files) {
  mkdirSync(dir, { recursive: true });
  const addresses = new Set();
  for (const [name, json] of files) {
    writeFileSync(join(dir, name), `${JSON.stringify(json, null, 2)}\n`);
    for (const a of addressesOf(json)) addresses.add(a);
  }
  return addresses;
}

function convertFolder(outDir, sources) {
  const files = [];
  let dup = 0;
  for (const src of sources) {
    const { json, duplicates } = hclToJson(show(src));
    files.push([`${basename(src, ".tf")}.tf.json`, json]);
    for (const d of duplicates) files.push([`${basename(src, ".tf")}.duplicate-${++dup}.tf.json`, d]);
  }
  // A block declared twice with different bodies cannot share a configuration: such a duplicate goes to a case of its own.
  const main = files.filter(([n]) => !n.includes(".duplicate-"));
  const cases = [[outDir, main]];
  for (const d of files.filter(([n]) => n.includes(".duplicate-")))
    cases.push([`${outDir}~${d[0].replace(/\.tf\.json$/, "")}`, [d]]);
  return cases;
}

/** Python dict literals from checkov's unit tests use hcl2's old list-wrapped values. */
function unwrapConf(conf) {
  const out = {};
  for (const [k, v] of Object.entries(conf)) {
    let value =
      Array.isArray(v) && v.length === 1 && (typeof v[0] !== "object" || Array.isArray(v[0]) || /polic/.test(k))
        ? v[0]
        : v;
    if (/polic/.test(k) && value !== null && typeof value === "object" && !Array.isArray(value))
      value = JSON.stringify(value);
    out[k] = value;
  }
  return out;
}

function supportedTypes(checkSrc) {
  const m = /supported_(?:resources|data)\s*=\s*[([]([^\])]*)[\])]/.exec(checkSrc);
  return m ? [...m[1].matchAll(/["']([^"']+)["']/g)].map((x) => x[1]) : [];
}

function loadYamlExpected(src) {
  const out = { pass: [], fail: [] };
  let section;
  for (const line of src.split("\n")) {
    const head = /^(pass|fail):/.exec(line);
    if (head) section = head[1];
    const item = /^\s*-\s*(['"])(.*)\1\s*$/.exec(line) ?? /^\s*-\s*(\S.*?)\s*$/.exec(line);
    if (item && section) out[section].push(item[2] ?? item[1]);
  }
  return out;
}

const summary = [];
const withoutFixtures = {};
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
for (const id of ourIds()) {
  const check = checkFile(id);
  const name = basename(check).replace(/\.(py|yaml|json)$/, "");
  const dir = join(OUT, id);
  const expected = {};
  const notConverted = [];
  const sources = [];
  const assign = (caseName, address, verdict, addresses) => {
    expected[caseName] ??= {};
    const prev = expected[caseName][address];
    if (prev !== undefined && prev !== verdict)
      throw new Error(`${id} ${caseName} ${address}: both ${prev} and ${verdict}`);
    expected[caseName][address] = verdict;
    if (!addresses.has(baseAddress(address))) throw new Error(`${id} ${caseName}: ${address} is not declared`);
  };
  /** Distributes a flat pass/fail list over the cases that declare each address. */
  const distribute = (cases, pass, fail) => {
    const override = OVERRIDES[id] ?? {};
    for (const [list, verdict] of [
      [pass, "PASSED"],
      [fail, "FAILED"],
    ]) {
      for (const peerAddress of list) {
        // checkov names data sources without the `data.` prefix that Terraform addresses carry.
        const address =
          !peerAddress.startsWith("data.") && cases.some(([, addrs]) => addrs.has(`data.${baseAddress(peerAddress)}`))
            ? `data.${peerAddress}`
            : peerAddress;
        const where = cases.filter(
          ([c, addrs]) => addrs.has(baseAddress(address)) && (override[c]?.[address] ?? verdict) === verdict,
        );
        if (address.startsWith("module."))
          notConverted.push({ address, verdict, why: "a resource inside a module call (modules are not expanded)" });
        else if (where.length === 0) throw new Error(`${id}: ${address} (${verdict}) is declared nowhere`);
        for (const [c, addrs] of where) assign(c, address, verdict, addrs);
      }
    }
  };
  if (check.startsWith("checkov/terraform/checks/graph_checks/")) {
    const folder = `tests/terraform/graph/checks/resources/${name}`;
    const cases = [];
    for (const [rel, files] of tfFolders(folder)) {
      for (const [caseDir, caseFiles] of convertFolder(
        join(dir, rel === "." ? "main" : rel.replaceAll("/", "~")),
        files,
      ))
        cases.push([basename(caseDir), writeCase(caseDir, caseFiles)]);
      sources.push(...files);
    }
    const yaml = loadYamlExpected(show(`${folder}/expected.yaml`));
    sources.push(`${folder}/expected.yaml`);
    distribute(cases, yaml.pass, yaml.fail);
  } else {
    const kind = check.includes("/checks/data/") ? "data" : "resource";
    const testPath = `tests/terraform/checks/${kind}/aws/test_${name}.py`;
    if (!ALL.includes(testPath)) {
      withoutFixtures[id] = `checkov has no test for ${name} (${testPath} does not exist)`;
      console.log(`${id} ${name}: no test`);
      continue;
    }
    const types = supportedTypes(show(check));
    const methods = JSON.parse(
      execFileSync("python3", [join(HERE, "extract_tests.py")], { input: show(testPath) }).toString(),
    );
    sources.push(testPath);
    for (const m of methods) {
      const folders = m.folders
        .map((f) => f.replace(/^.*?(example_)/, "$1"))
        .filter((f) => f.split("/")[0] === `example_${name}` && !f.endsWith(".json"));
      if (folders.length > 0 && m.passing_resources !== undefined) {
        const folder = `tests/terraform/checks/${kind}/aws/${folders[0]}`;
        const cases = [];
        for (const [rel, files] of tfFolders(folder)) {
          for (const [caseDir, caseFiles] of convertFolder(
            join(dir, rel === "." ? "main" : rel.replaceAll("/", "~")),
            files,
          ))
            cases.push([basename(caseDir), writeCase(caseDir, caseFiles)]);
          sources.push(...files);
        }
        distribute(cases, m.passing_resources, m.failing_resources ?? []);
      } else if (m.hcl.length === 1 && m.result !== null) {
        const { json } = hclToJson(m.hcl[0]);
        const addresses = writeCase(join(dir, m.method), [["main.tf.json", json]]);
        const targets = [...addresses].filter((a) =>
          types.includes(
            baseAddress(a)
              .replace(/^data\./, "")
              .split(".")[0],
          ),
        );
        if (targets.length !== 1) throw new Error(`${id} ${m.method}: ${targets.length} resources of ${types}`);
        assign(m.method, targets[0], m.result, addresses);
      } else if (m.conf !== null && m.result !== null) {
        const type = m.entity_type ?? types[0];
        const json = { [kind]: { [type]: { example: unwrapConf(m.conf) } } };
        const addresses = writeCase(join(dir, m.method), [["main.tf.json", json]]);
        assign(m.method, `${kind === "data" ? "data." : ""}${type}.example`, m.result, addresses);
      } else if (folders.length > 0 || m.hcl.length > 0 || m.conf !== null) {
        notConverted.push({
          test: `${testPath}::${m.method}`,
          why: "a test this converter does not read (a plan file, or several inline configurations)",
        });
      }
    }
  }
  if (Object.keys(expected).length === 0) throw new Error(`${id}: no expectations`);
  const sorted = Object.fromEntries(
    Object.keys(expected)
      .sort()
      .map((c) => [c, Object.fromEntries(Object.entries(expected[c]).sort(([a], [b]) => a.localeCompare(b)))]),
  );
  writeFileSync(
    join(dir, "expected.json"),
    `${JSON.stringify({ check: name, checkFile: check, sources, cases: sorted, ...(notConverted.length > 0 ? { notConverted } : {}) }, null, 2)}\n`,
  );
  summary.push({
    id,
    name,
    check,
    sources,
    results: Object.values(expected).reduce((n, c) => n + Object.keys(c).length, 0),
  });
  console.log(`${id} ${name}: ${summary.at(-1).results} expected results`);
}

writeFileSync(join(OUT, "LICENSE"), show("LICENSE"));
writeFileSync(
  join(OUT, "index.json"),
  `${JSON.stringify({ commit, converted: Object.fromEntries(summary.map((s) => [s.id, s.name])), withoutFixtures }, null, 2)}\n`,
);
const missing = Object.entries(withoutFixtures).map(([id, why]) => `- ${id}: ${why}.`);
const rows = summary.map(
  (s) => `| ${s.id} | ${s.name} | \`${s.check}\` | ${s.sources.map((p) => `\`${p}\``).join("<br>")} | ${s.results} |`,
);
writeFileSync(
  join(OUT, "SOURCE.md"),
  `# checkov test fixtures, converted

The folders here are converted from the test fixtures of checkov (https://github.com/bridgecrewio/checkov),
commit \`${commit}\`, which is licensed under the Apache License 2.0: its licence text is in
[LICENSE](LICENSE) beside this file. Copyright belongs to checkov's authors (bridgecrewio / Prisma Cloud).

**The files were modified:** \`policies/test/peer/convert.mjs\` converted each HCL file (\`.tf\`) to
Terraform JSON (\`.tf.json\`), and each inline test (HCL or a resource configuration held in a Python
unit test) to a folder named after its test method. Each \`expected.json\` holds the verdicts
checkov's own tests assert (\`PASSED\` / \`FAILED\` per resource address and case folder), read from
\`expected.yaml\` (graph checks), the \`passing_resources\` / \`failing_resources\` sets or the
asserted \`CheckResult\` (Python unit tests). Nothing else was changed; a block a fixture declares
twice with a different body was moved to a case folder of its own (\`<case>~<file>.duplicate-N\`).
Not converted: checkov's tests over plan files (\`tfplan.json\`) and over module for_each expansion
(\`example_<Check>_foreach\` folders); the checker reads synthesized configurations, not plans, and
does not expand modules.
Regenerate with \`node policies/test/peer/convert.mjs <checkov git dir> ${commit}\`.

| checkov ID | check | check source | fixture sources | expected results |
| --- | --- | --- | --- | ---: |
${rows.join("\n")}

Our anchors that have no checkov fixture to convert:

${missing.join("\n") || "- none"}
`,
);
