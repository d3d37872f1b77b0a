import { headerComment, hookUrl } from './options.ts';
import type { ResolvedMediatorOptions } from './options.ts';

/** A Python string literal: JSON string syntax is valid Python for any value. */
const quote = (value: string): string => JSON.stringify(value);

const VERDICT = `    if status == 202:
        fail("triggerhub queued the ticket instead of answering (HTTP 202): make the job a decision job", 4)
    try:
        verdict = json.loads(answer.decode("utf-8"))
    except ValueError:
        verdict = None
    result = verdict.get("result") if isinstance(verdict, dict) else None
    if result == "success":
        return 0
    if result == "failure":
        message = verdict.get("message")
        if not isinstance(message, str) or not message:
            message = "the job answered failure"
        sys.stderr.write(message + "\\n")
        return 1
    fail("unexpected answer from %s (HTTP %d): no \\"result\\"" % (TRIGGERHUB_URL, status), 4)`;

const TAILS = {
  trigger: `    return 0`,
  validation: VERDICT,
  risk: VERDICT,
  assignment: `    if status != 200 or not answer.lstrip().startswith(b"<"):
        fail("unexpected answer from %s (HTTP %d): expected 200 with the assignment XML" % (TRIGGERHUB_URL, status), 4)
    sys.stdout.buffer.write(answer.rstrip(b"\\r\\n") + b"\\n")
    sys.stdout.flush()
    return 0`,
} as const;

/** The python3 mediator script: standard library only (urllib), Python 3.6 or later. */
export const pythonMediatorScript = (o: ResolvedMediatorOptions): string => `#!/usr/bin/env python3
${headerComment(o, 'Needs python3 (3.6 or later), standard library only.')}
import json
import os
import socket
import sys
import urllib.error
import urllib.request

TRIGGERHUB_URL = ${quote(hookUrl(o.url, o.jobId))}
SECRET_HEADER = ${quote(o.secretHeader)}
SECRET_FILE = ${quote(o.secretFile)}
MAX_TIME = ${o.maxTimeSeconds}


def fail(message, code):
    sys.stderr.write("triggerhub: %s\\n" % message)
    sys.exit(code)


def error_message(answer):
    text = answer.decode("utf-8", "replace")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"]
    return text[:200].strip()


def main():
    try:
        with open(SECRET_FILE, "r") as f:
            secret = f.read().rstrip("\\r\\n")
    except (OSError, UnicodeDecodeError) as e:
        fail("cannot read the secret file %s: %s" % (SECRET_FILE, getattr(e, "strerror", None) or e), 2)
    if not secret:
        fail("the secret file %s is empty" % SECRET_FILE, 2)

    headers = {"Content-Type": "application/xml", SECRET_HEADER: secret}
    event = os.environ.get("SCW_EVENT", "").replace("\\r", "").replace("\\n", "")
    if event:
        headers["X-SCW-Event"] = event
    request = urllib.request.Request(TRIGGERHUB_URL, data=sys.stdin.buffer.read(), headers=headers, method="POST")

    try:
        with urllib.request.urlopen(request, timeout=MAX_TIME) as response:
            status = response.status
            answer = response.read()
    except urllib.error.HTTPError as e:
        fail("HTTP %d from %s: %s" % (e.code, TRIGGERHUB_URL, error_message(e.read())), 4)
    except socket.timeout:
        fail("cannot reach %s: no answer within %d s" % (TRIGGERHUB_URL, MAX_TIME), 3)
    except (urllib.error.URLError, OSError) as e:
        fail("cannot reach %s: %s" % (TRIGGERHUB_URL, getattr(e, "reason", None) or e), 3)

${TAILS[o.kind]}


if __name__ == "__main__":
    sys.exit(main())
`;
