// Validates docs/openapi.json: valid OpenAPI 3 by @apidevtools/swagger-parser
// (the OpenAPI 3.0 JSON schema, then its own checks: $refs resolve,
// operationIds unique, path parameters declared), and the shape roster
// serves: only POST operations, all under /api/, each with a JSON request
// body, a 200 answer and the default error answer, and bearer security at
// the top. Prints the operation count; exits non-zero on any failure.
// Run by scripts/gen-openapi with NODE_PATH at the pinned install in .tools/.
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");

async function main(file) {
  // validate() dereferences in place; check the shape on a parsed copy.
  const raw = await SwaggerParser.parse(file);
  const api = JSON.parse(JSON.stringify(raw));
  await SwaggerParser.validate(raw);
  const problems = [];
  let posts = 0;
  for (const [path, item] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method !== "post" || !path.startsWith("/api/")) {
        problems.push(`${method} ${path}: roster serves only POST /api/...`);
        continue;
      }
      posts++;
      if (!op.requestBody?.content?.["application/json"]) problems.push(`${path}: no JSON request body`);
      if (!op.responses?.["200"]) problems.push(`${path}: no 200 response`);
      if (op.responses?.default?.$ref !== "#/components/responses/Error") problems.push(`${path}: no default error response`);
    }
  }
  const security = JSON.stringify(api.security);
  if (security !== JSON.stringify([{ accessKey: [] }])) problems.push(`top-level security is ${security}`);
  if (api.components?.securitySchemes?.accessKey?.scheme !== "bearer") problems.push("accessKey is not an HTTP bearer scheme");
  if (problems.length) throw new Error(problems.join("\n"));
  console.log(`${file}: valid OpenAPI ${api.openapi} (${api.info.title} ${api.info.version}), ${posts} POST operations under /api/`);
}

main(process.argv[2]).catch((err) => {
  console.error(`${process.argv[2]}: ${err.message}`);
  process.exit(1);
});
