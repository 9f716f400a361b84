// bench.mjs - the seed case's tool-call round trip through sandrun mcp,
// from the official SDK client, against bare python3 in the same run.
// Usage: SANDRUN=... SANDRUN_SRCDIR=... node bench.mjs [N]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const N = Number(process.argv[2] ?? 20);
const seed = join(process.env.SANDRUN_SRCDIR, 'examples', 'seed-case');
const code = readFileSync(join(seed, 'analysis.py'), 'utf8');
const csv = readFileSync(join(seed, 'dataset.csv'), 'utf8');
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const stats = (a) => {
	const s = [...a].sort((x, y) => x - y);
	return { median: s[Math.floor(s.length / 2)], p10: s[Math.floor(s.length / 10)], p90: s[Math.floor(s.length * 9 / 10)] };
};

const transport = new StdioClientTransport({ command: process.env.SANDRUN, args: ['mcp'], env: process.env });
const client = new Client({ name: 'sandrun-bench', version: '1.0.0' });
await client.connect(transport);
await client.listTools();
const dir = mkdtempSync(join(tmpdir(), 'mcp-bench.'));
writeFileSync(join(dir, 'analysis.py'), code.replace('/code/dataset.csv', join(dir, 'dataset.csv')));
writeFileSync(join(dir, 'dataset.csv'), csv);
const args = { code, files: [{ path: '/code/dataset.csv', content: csv }] };
for (let i = 0; i < 2; i++) {	// warm-up: page cache, the server's threads
	await client.callTool({ name: 'run_code', arguments: args });
	execFileSync(PYTHON, [join(dir, 'analysis.py')]);
}
const mcp = [], bare = [], inner = [];
let warm = 0;
for (let i = 0; i < N; i++) {	// interleaved, so load hits both alike
	let t0 = process.hrtime.bigint();
	const r = await client.callTool({ name: 'run_code', arguments: args });
	mcp.push(ms(t0));
	if (r.structuredContent?.status !== 'ok')
		throw new Error(JSON.stringify(r.content));
	inner.push(r.structuredContent.time.wall_ms);
	warm += r.structuredContent.warm === true;
	t0 = process.hrtime.bigint();
	execFileSync(PYTHON, [join(dir, 'analysis.py')]);
	bare.push(ms(t0));
}
rmSync(dir, { recursive: true, force: true });
await client.close();
const m = stats(mcp), b = stats(bare), w = stats(inner);
const f = (s) => `median ${s.median.toFixed(0)} ms (p10 ${s.p10.toFixed(0)}, p90 ${s.p90.toFixed(0)})`;
console.log(`seed case, ${N} runs each, interleaved`);
console.log(`  MCP tools/call round trip (${warm} of ${N} warm): ${f(m)}`);
console.log(`  program wall time inside the sandbox:     ${f(w)}`);
console.log(`  bare ${PYTHON} analysis.py:           ${f(b)}`);
console.log(`  ratio MCP / bare: ${(m.median / b.median).toFixed(2)}`);
