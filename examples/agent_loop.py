#!/usr/bin/env python3
"""An agent loop that runs a model's `run_python_code` tool calls in sandrun.

This replays a recorded model response (recorded_response.json, an OpenAI
style chat completion whose tool call carries the seed case's pandas code)
instead of calling a model, so it runs offline and deterministically.  To use
a live model, replace `next_model_response()` with your client call and keep
the rest: the tool schema, `run_python_code()` and the tool message.

The code runs as

    sandrun --json -p python --file dataset.csv:/code/dataset.csv

and the tool message the model gets back is the program's output, plus the
exception (name and message) and the files it wrote when there are any.

sandrun is found through $SANDRUN, else on PATH.  Standard library only.
Usage: agent_loop.py [--json]   (--json: print the conversation as JSON)
"""

import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATASET = os.path.join(HERE, "seed-case", "dataset.csv")
RECORDED = os.path.join(HERE, "recorded_response.json")

# The tool the model is offered (OpenAI "tools" format).
RUN_PYTHON_CODE = {
    "type": "function",
    "function": {
        "name": "run_python_code",
        "description": (
            "Run Python 3 code in a sandbox and return what it printed. "
            "pandas, numpy and matplotlib are available. The dataset is at "
            "/code/dataset.csv (columns id,name,age,city,salary). Files "
            "saved to the current directory are returned. No network."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "The Python code to run."}
            },
            "required": ["code"],
            "additionalProperties": False,
        },
    },
}

QUESTION = (
    "What is the city with the highest average salary in the provided "
    "dataset and what is such salary?"
)


def find_sandrun():
    exe = os.environ.get("SANDRUN") or shutil.which("sandrun")
    if not exe:
        sys.exit("agent_loop: sandrun not found: set $SANDRUN or put it on PATH")
    return exe


def next_model_response(messages, tools):
    """Stand-in for the model call: the recorded response."""
    with open(RECORDED, encoding="utf-8") as f:
        return json.load(f)


def run_python_code(code, timeout="30s"):
    """Run code in sandrun; return (tool message text, result object)."""
    cmd = [
        find_sandrun(), "--json", "-p", "python", "--timeout", timeout,
        "--inline-files=65536",
        "--file", DATASET + ":/code/dataset.csv",
    ]
    proc = subprocess.run(cmd, input=code.encode(), stdout=subprocess.PIPE)
    # One JSON object on stdout whatever happened (even exit 125).
    result = json.loads(proc.stdout)
    parts = []
    if result["stdout"]["text"]:
        parts.append(result["stdout"]["text"].rstrip("\n"))
    err = result.get("error")
    if result["status"] == "error":
        parts.append("sandbox error: " + err["message"])
    elif err:
        parts.append("%s: %s" % (err["name"], err["value"]))
        if result["stderr"]["text"]:
            parts.append("stderr:\n" + result["stderr"]["text"].rstrip("\n"))
    elif result["status"] != "ok":
        parts.append("status: %s (exit %s)" % (result["status"], result["exit_status"]))
        if result["stderr"]["text"]:
            parts.append("stderr:\n" + result["stderr"]["text"].rstrip("\n"))
    for f in result.get("files", []):
        parts.append("file: %s (%s, %d bytes)" % (f["path"], f["mime"], f["size"]))
    return "\n".join(parts) if parts else "(no output)", result


def main():
    as_json = "--json" in sys.argv[1:]
    messages = [
        {"role": "system", "content": "You are a data analyst. Use the run_python_code tool to compute answers."},
        {"role": "user", "content": QUESTION},
    ]
    response = next_model_response(messages, [RUN_PYTHON_CODE])
    message = response["choices"][0]["message"]
    messages.append(message)
    for call in message.get("tool_calls") or []:
        if call["function"]["name"] != "run_python_code":
            content = "unknown tool %s" % call["function"]["name"]
        else:
            args = json.loads(call["function"]["arguments"])
            content, result = run_python_code(args["code"])
            print("[sandrun: %s, %d ms wall, %d MiB peak]" % (
                result["status"], result["time"]["wall_ms"],
                result["memory"]["peak_bytes"] >> 20), file=sys.stderr)
        messages.append({"role": "tool", "tool_call_id": call["id"], "content": content})

    if as_json:
        json.dump(messages, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return
    for m in messages:
        if m.get("tool_calls"):
            for call in m["tool_calls"]:
                code = json.loads(call["function"]["arguments"]).get("code", "")
                print("assistant -> %s:\n%s" % (call["function"]["name"],
                      "\n".join("    " + line for line in code.splitlines())))
        else:
            print("%s: %s" % (m["role"], m["content"]))


if __name__ == "__main__":
    main()
