// mcp_test.mjs - drive `sandrun mcp` with the official MCP TypeScript SDK
// client (Client + StdioClientTransport) and with raw lines on its stdin.
// Prints TAP. Run by tests/mcp.sh with SANDRUN and SANDRUN_SRCDIR set.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SANDRUN = process.env.SANDRUN;
const SRC = process.env.SANDRUN_SRCDIR;
const seedDir = join(SRC, 'examples', 'seed-case');
const analysis = readFileSync(join(seedDir, 'analysis.py'), 'utf8');
const dataset = readFileSync(join(seedDir, 'dataset.csv'), 'utf8');
// the interpreter the python policy runs (PATH may have another)
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SEED_ANSWER = 'Seattle with an average salary of 73500.0';

const PLAN = 27;
let n = 0, failed = 0;
console.log(`1..${PLAN}`);
function ok(cond, name, diag) {
	n++;
	console.log(`${cond ? '' : 'not '}ok ${n} - ${name}`);
	if (!cond) {
		failed++;
		if (diag !== undefined)
			console.log('# ' + JSON.stringify(diag).slice(0, 2000));
	}
}
const text = (r) => (r.content ?? []).filter((c) => c.type === 'text').map((c) => c.text).join('');

// Direct children of pid (the sandrun runs the server started).
// Descendants of pid whose argv is argv (NUL-joined), at any depth: the
// server's own warm pool runs calls in its workers' sandboxes.
function descendants(pid, argv) {
	const kids = {};
	for (const d of readdirSync('/proc')) {
		if (!/^[0-9]+$/.test(d))
			continue;
		try {
			const st = readFileSync(`/proc/${d}/stat`, 'utf8');
			const pp = st.slice(st.lastIndexOf(')') + 2).split(' ')[1];
			(kids[pp] ??= []).push(d);
		} catch { /* gone */ }
	}
	const out = [], todo = [String(pid)];
	while (todo.length > 0) {
		for (const k of kids[todo.pop()] ?? []) {
			todo.push(k);
			try {
				if (readFileSync(`/proc/${k}/cmdline`, 'utf8') === argv.join('\0') + '\0')
					out.push(k);
			} catch { /* gone */ }
		}
	}
	return out;
}

async function connect() {
	const transport = new StdioClientTransport({
		command: SANDRUN, args: ['mcp'], env: process.env, stderr: 'inherit',
	});
	const client = new Client({ name: 'sandrun-test', version: '1.0.0' });
	await client.connect(transport);
	return { client, transport };
}

const median = (a) => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

async function sdkTests() {
	const { client, transport } = await connect();

	// initialize and listTools
	ok(client.getServerVersion()?.name === 'sandrun', 'initialize: serverInfo.name is sandrun',
		client.getServerVersion());
	const { tools } = await client.listTools();
	const run = tools.find((t) => t.name === 'run_code');
	ok(run && tools.some((t) => t.name === 'end_session'), 'listTools: run_code and end_session', tools.map((t) => t.name));
	ok(run && run.inputSchema.required.includes('code') &&
		run.inputSchema.properties.policy.enum.includes('python') &&
		run.outputSchema?.properties?.schema?.const === 'sandrun.result/1',
		'run_code: inputSchema and outputSchema (sandrun.result/1)');

	// the seed case, dataset.csv passed in files (the client validates
	// structuredContent against outputSchema on every call)
	const seedArgs = { code: analysis, files: [{ path: '/code/dataset.csv', content: dataset }] };
	const times = [];
	let r, warm = 0;
	for (let i = 0; i < 5; i++) {
		const t0 = process.hrtime.bigint();
		r = await client.callTool({ name: 'run_code', arguments: seedArgs });
		times.push(Number(process.hrtime.bigint() - t0) / 1e6);
		warm += r.structuredContent?.warm === true;
	}
	ok(r.isError === false && r.structuredContent.status === 'ok' &&
		r.structuredContent.stdout.text.includes(SEED_ANSWER) && text(r).includes(SEED_ANSWER),
		'seed case: answer in structuredContent and text', r);
	const dir = mkdtempSync(join(tmpdir(), 'sandrun-mcp-bare.'));
	writeFileSync(join(dir, 'dataset.csv'), dataset);
	writeFileSync(join(dir, 'analysis.py'), analysis.replace('/code/dataset.csv', join(dir, 'dataset.csv')));
	const bare = [];
	for (let i = 0; i < 5; i++) {
		const t0 = process.hrtime.bigint();
		execFileSync(PYTHON, [join(dir, 'analysis.py')]);
		bare.push(Number(process.hrtime.bigint() - t0) / 1e6);
	}
	rmSync(dir, { recursive: true, force: true });
	console.log(`# seed case round trip (median of 5, ${warm} warm): ${median(times).toFixed(0)} ms; ` +
		`bare ${PYTHON} analysis.py: ${median(bare).toFixed(0)} ms; ratio ${(median(times) / median(bare)).toFixed(2)}`);

	// the server's own pool: a call that fits a ready sandbox is served
	// by one (the pool refills in the background: a few tries)
	let served = null;
	for (let i = 0; i < 20 && served?.warm !== true; i++) {
		if (i > 0)
			await new Promise((res) => setTimeout(res, 250));
		served = (await client.callTool({ name: 'run_code', arguments: { code: 'print(6*7)' } })).structuredContent;
	}
	ok(served?.warm === true && served.stdout.text === '42\n', 'warm pool: a plain call is served by a ready sandbox',
		served);

	// a chart comes back as an image
	r = await client.callTool({ name: 'run_code', arguments: { code:
		'import matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt\n' +
		'plt.plot([1, 3, 2])\nplt.savefig("chart.png")\nprint("saved")\n' } });
	const img = (r.content ?? []).find((c) => c.type === 'image');
	ok(r.isError === false && img && img.mimeType === 'image/png' &&
		Buffer.from(img.data, 'base64').subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
		'chart: one image/png item with PNG bytes', r.content);
	ok(r.structuredContent.files.some((f) => f.path === 'chart.png' && f.mime === 'image/png'),
		'chart: listed in structuredContent.files');

	// a figure shown with plt.show() comes back as an image too
	r = await client.callTool({ name: 'run_code', arguments: { code:
		'import matplotlib.pyplot as plt\nplt.bar(["a", "b"], [3, 5])\nplt.show()\n' } });
	ok(r.isError === false && (r.content ?? []).filter((c) => c.type === 'image' && c.mimeType === 'image/png').length === 1 &&
		text(r).includes('figure-1.png'), 'plt.show(): figure-1.png as an image item', r.content?.map((c) => c.type));

	// an error
	r = await client.callTool({ name: 'run_code', arguments: { code: 'print("before")\n1/0\n' } });
	ok(r.isError === true && r.structuredContent.status === 'exit_nonzero' &&
		r.structuredContent.error?.name === 'ZeroDivisionError' &&
		text(r).includes('ZeroDivisionError: division by zero') && text(r).includes('before'),
		'error: isError, ZeroDivisionError in text and structuredContent', r);

	// a timeout (timeout_s lowers the policy limit)
	const t0 = Date.now();
	r = await client.callTool({ name: 'run_code', arguments: { code: 'import time\ntime.sleep(30)\n', timeout_s: 1 } });
	ok(r.isError === true && r.structuredContent.status === 'timeout' &&
		r.structuredContent.limits.wall_time.value === 1000 && Date.now() - t0 < 20000,
		'timeout: status timeout after timeout_s 1', r.structuredContent);
	r = await client.callTool({ name: 'run_code', arguments: { code: 'print(1)', timeout_s: 100000 } });
	ok(r.isError === true && /timeout_s: at most/.test(text(r)), 'timeout_s above the policy ceiling is refused', r);

	// three concurrent calls
	const three = await Promise.all([1, 2, 3].map((i) => client.callTool({ name: 'run_code',
		arguments: { code: `import time\ntime.sleep(0.5)\nprint("call ${i}")\n` } })));
	ok(three.every((x, i) => x.isError === false && x.structuredContent.stdout.text === `call ${i + 1}\n`),
		'three concurrent calls each get their own answer', three.map(text));

	// stdin and the sh policy
	r = await client.callTool({ name: 'run_code', arguments: { code: 'read x; echo "got $x"; cat data/in.bin | od -An -tx1',
		policy: 'sh', stdin: 'hello\n', files: [{ path: 'data/in.bin', content: 'AAH/', encoding: 'base64' }] } });
	ok(r.isError === false && r.structuredContent.stdout.text.includes('got hello') &&
		r.structuredContent.stdout.text.includes('00 01 ff'), 'sh policy with stdin and a base64 file', r.structuredContent?.stdout);

	// bad arguments
	r = await client.callTool({ name: 'run_code', arguments: { code: 5 } });
	ok(r.isError === true && text(r).startsWith('code:'), 'bad arguments: tool error naming code', r);
	r = await client.callTool({ name: 'run_code', arguments: { code: 'x', files: [{ path: '../etc/x', content: '' }] } });
	ok(r.isError === true && text(r).startsWith('files[0].path:'), 'bad arguments: file path checked', r);
	r = await client.callTool({ name: 'run_code', arguments: { code: 'x', policy: 'nonesuch' } });
	ok(r.isError === true && text(r).startsWith('policy:'), 'bad arguments: policy not offered', r);
	// a session over two calls: what the first call made, the second sees
	// (files, in the work dir and /tmp)
	r = await client.callTool({ name: 'run_code', arguments: { session: 's1',
		code: 'open("state.txt", "w").write("kept")\nopen("/tmp/t", "w").write("41")\n' } });
	const first = r.structuredContent;
	r = await client.callTool({ name: 'run_code', arguments: { session: 's1',
		code: 'print(open("state.txt").read(), int(open("/tmp/t").read()) + 1)\n' } });
	ok(first?.status === 'ok' && first.session?.call === 1 &&
		r.structuredContent?.stdout.text === 'kept 42\n' && r.structuredContent.session?.call === 2,
		'session: files survive between calls', { first, second: r.structuredContent });
	// and python's variables; a last expression's value comes back
	r = await client.callTool({ name: 'run_code', arguments: { session: 's1', code: 'x = 41\n' } });
	const setx = r.structuredContent;
	r = await client.callTool({ name: 'run_code', arguments: { session: 's1', code: 'print(x + 1)\nx + 1\n' } });
	ok(setx?.status === 'ok' && r.structuredContent?.stdout.text === '42\n' &&
		r.structuredContent.value === '42' && /^value: 42$/m.test(text(r)) &&
		r.structuredContent.session?.restarted === false,
		'session: variables survive between calls, the value comes back', { setx, second: r.structuredContent });
	r = await client.callTool({ name: 'run_code', arguments: { code: 'print(x)', session: 'no/slash' } });
	ok(r.isError === true && /^session: 1 to 48 of/.test(text(r)), 'session: a bad name is a tool error', r);
	r = await client.callTool({ name: 'end_session', arguments: { session: 's1' } });
	const ended = r;
	r = await client.callTool({ name: 'end_session', arguments: { session: 's1' } });
	ok(ended.isError === false && /session s1 ended/.test(text(ended)) &&
		r.isError === true && /no such session/.test(text(r)), 'end_session: ends it once, then no such session',
		{ ended, again: r });

	// an unknown tool
	let err = null;
	try { await client.callTool({ name: 'nope', arguments: {} }); } catch (e) { err = e; }
	ok(err && err.code === -32602 && /Unknown tool: nope/.test(err.message), 'unknown tool: -32602', String(err));

	// cancellation kills that call's sandbox
	const ac = new AbortController();
	const pid = transport.pid;
	const marker = ['sleep', '61.25'];
	const p = client.callTool({ name: 'run_code', arguments: {
		code: `import subprocess\nsubprocess.run(${JSON.stringify(marker)})\n` } },
		undefined, { signal: ac.signal }).then(() => 'answered', () => 'rejected');
	let during = 0;
	for (let i = 0; i < 50 && during === 0; i++) {
		await new Promise((res) => setTimeout(res, 200));
		during = descendants(pid, marker).length;
	}
	ac.abort('test');
	const how = await p;
	let after = -1;
	for (let i = 0; i < 50 && after !== 0; i++) {
		await new Promise((res) => setTimeout(res, 200));
		after = descendants(pid, marker).length;
	}
	ok(how === 'rejected' && during === 1 && after === 0, 'cancel: the call\'s sandbox is gone',
		{ how, during, after });
	r = await client.callTool({ name: 'run_code', arguments: { code: 'print("still here")' } });
	ok(r.structuredContent?.stdout.text === 'still here\n', 'server still answers after a cancel');

	// end of input ends the sessions this server started
	r = await client.callTool({ name: 'run_code', arguments: { session: 's2', code: 'pass' } });
	const mine = `mcp${pid}-s2`;
	const listed = () => JSON.parse(execFileSync(SANDRUN, ['--list-sessions', '--json'], { encoding: 'utf8' }))
		.some((x) => x.name === mine);
	const before = listed();
	await client.close();
	let still = true;
	for (let i = 0; i < 50 && still; i++) {
		await new Promise((res) => setTimeout(res, 200));
		still = listed();
	}
	ok(r.structuredContent?.session?.name === mine && before && !still,
		'end of input: the server ends its sessions', { session: r.structuredContent?.session, before, still });
}

// Raw lines straight to the server's stdin, no SDK.
async function rawTests() {
	const child = spawn(SANDRUN, ['mcp'], { stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '', err = '';
	child.stdout.on('data', (d) => { out += d; });
	child.stderr.on('data', (d) => { err += d; });
	const lines = [
		'this is not json',
		'{"jsonrpc":"2.0","id":1,"method":"no/such/method"}',
		'[]',
		'{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}',
		'{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"1999-01-01","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}',
		'{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"run_code","arguments":"nope"}}',
		'{"jsonrpc":"2.0","id":5,"method":"ping"',
		'{"jsonrpc":"2.0","id":7,"method":"ping","params":{"pad":"' + 'a'.repeat(11 << 20) + '"}}',
		'{"jsonrpc":"2.0","id":6,"method":"ping"}',
	];
	child.stdin.write(lines.join('\n') + '\n');
	child.stdin.end();
	const code = await new Promise((res) => child.on('close', res));
	const got = out.split('\n').filter(Boolean);
	let parsed = [];
	try { parsed = got.map((l) => JSON.parse(l)); } catch { parsed = null; }
	const byId = (id) => parsed?.find((m) => m.id === id);
	ok(parsed && got.length === 9 && code === 0, 'raw: one JSON answer per line, exit 0 at EOF',
		{ code, out, err });
	ok(parsed && parsed.filter((m) => m.id === null && m.error?.code === -32700).length === 2 &&
		byId(1)?.error?.code === -32601 &&
		parsed.some((m) => m.id === null && m.error?.code === -32600 && /batch/.test(m.error.message)) &&
		parsed.some((m) => m.id === null && m.error?.code === -32600 && /too large/.test(m.error.message)) &&
		!byId(7),
		'raw: -32700 for bad JSON, -32601 for an unknown method, -32600 for a batch and for 11 MiB', parsed);
	ok(byId(2)?.result?.protocolVersion === '2024-11-05' && byId(3)?.result?.protocolVersion === '2025-11-25' &&
		byId(4)?.result?.isError === true && JSON.stringify(byId(6)?.result) === '{}',
		'raw: version negotiation, bad arguments, ping', parsed);
}

try {
	await sdkTests();
	await rawTests();
} catch (e) {
	console.log(`# ${e?.stack ?? e}`);
	failed++;
}
while (n < PLAN)
	ok(false, 'not reached');
process.exit(failed ? 1 : 0);
