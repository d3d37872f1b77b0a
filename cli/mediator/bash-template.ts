import { headerComment, hookUrl } from './options.ts';
import type { ResolvedMediatorOptions } from './options.ts';

/** A bash single-quoted literal: nothing inside is expanded. */
const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

// Shared tail pieces. `$body` and `$code` are set by the request section.
const VERDICT = `result=$(json_string result "$body")
case "$result" in
  success)
    exit 0
    ;;
  failure)
    message=$(json_string message "$body")
    printf '%s\\n' "\${message:-the job answered failure}" >&2
    exit 1
    ;;
esac
if [ "$code" = 202 ]; then
  fail "triggerhub queued the ticket instead of answering (HTTP 202): make the job a decision job" 4
fi
fail "unexpected answer from $TRIGGERHUB_URL (HTTP $code): no \\"result\\"" 4`;

const TAILS = {
  trigger: `exit 0`,
  validation: VERDICT,
  risk: VERDICT,
  assignment: `xml_start='^[[:space:]]*<'
if [ "$code" != 200 ] || ! [[ $body =~ $xml_start ]]; then
  fail "unexpected answer from $TRIGGERHUB_URL (HTTP $code): expected 200 with the assignment XML" 4
fi
printf '%s\\n' "$body"
exit 0`,
} as const;

/**
 * The bash + curl mediator script. Needs bash ≥ 4 and curl ≥ 7.55 (`-H @file`);
 * no jq: TOS hosts may not have it, so the JSON answer is read with a regex.
 */
export const bashMediatorScript = (o: ResolvedMediatorOptions): string => `#!/bin/bash
${headerComment(o, 'Needs bash and curl 7.55 or later; no jq.')}
set -u

TRIGGERHUB_URL=${quote(hookUrl(o.url, o.jobId))}
SECRET_HEADER=${quote(o.secretHeader)}
SECRET_FILE=${quote(o.secretFile)}
MAX_TIME=${o.maxTimeSeconds}

fail() {
  printf 'triggerhub: %s\\n' "$1" >&2
  exit "$2"
}

# json_string KEY JSON: the string value of "KEY" in JSON, unescaped (enough for our answers).
json_string() {
  local re='"'"$1"'"[[:space:]]*:[[:space:]]*"(([^"\\\\]|\\\\.)*)"'
  if [[ $2 =~ $re ]]; then
    local value=\${BASH_REMATCH[1]}
    value=\${value//\\\\\\"/\\"}
    value=\${value//\\\\\\//\\/}
    printf '%b' "$value"
  fi
}

[ -r "$SECRET_FILE" ] || fail "cannot read the secret file $SECRET_FILE" 2
secret=$(cat -- "$SECRET_FILE") || fail "cannot read the secret file $SECRET_FILE" 2
secret=\${secret%$'\\r'}
[ -n "$secret" ] || fail "the secret file $SECRET_FILE is empty" 2

event_header=()
scw_event=\${SCW_EVENT:-}
scw_event=\${scw_event//[$'\\r\\n']/}
if [ -n "$scw_event" ]; then
  event_header=(-H "X-SCW-Event: $scw_event")
fi

# The secret goes to curl through a file descriptor, never on its command line
# (where ps would show it). The status code is appended to the body by -w.
response=$(curl -sS --connect-timeout 10 --max-time "$MAX_TIME" \\
  -H 'Content-Type: application/xml' \\
  -H @<(printf '%s: %s\\n' "$SECRET_HEADER" "$secret") \\
  \${event_header[@]+"\${event_header[@]}"} \\
  --data-binary @- \\
  -w '\\n%{http_code}' \\
  -- "$TRIGGERHUB_URL")
rc=$?
if [ "$rc" -eq 28 ]; then
  fail "cannot reach $TRIGGERHUB_URL: no answer within $MAX_TIME s" 3
elif [ "$rc" -ne 0 ]; then
  fail "cannot reach $TRIGGERHUB_URL (curl exit code $rc)" 3
fi
code=\${response##*$'\\n'}
body=\${response%$'\\n'*}
while [[ $body == *[$'\\r\\n'] ]]; do body=\${body%?}; done

case "$code" in
  2??) ;;
  *)
    message=$(json_string message "$body")
    fail "HTTP $code from $TRIGGERHUB_URL: \${message:-\${body:0:200}}" 4
    ;;
esac

${TAILS[o.kind]}
`;
