/* mcp.h - sandrun mcp: a Model Context Protocol server on stdio.
 *
 * Newline-delimited JSON-RPC 2.0 on stdin/stdout (only protocol messages
 * on stdout, diagnostics on stderr), tools run_code and end_session.  It
 * is its own front end: main.c hands over argv when argv[1] is "mcp" and
 * exits with what sr_mcp_main returns (0 after EOF on stdin or SIGTERM,
 * 125 on a usage or start-up error, which it prints itself).
 */
#ifndef SR_MCP_H
#define SR_MCP_H

/* argv[0] is "mcp". */
int sr_mcp_main(int argc, char **argv);

#endif
