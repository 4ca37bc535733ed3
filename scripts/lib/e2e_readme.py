"""Runs the grpcurl examples of every implemented service's README against the compose
stack, as a reader would paste them, with TOKEN and ADMIN set to an admin token and
PASSWORD to the admin's password.

The calls of each README run in order in one shell, so a variable one sets (`ID=$(grpcurl
...)`) serves the next. Examples with a placeholder to fill in (`<id>`) are left out and
counted; streaming calls run for three seconds. Prints one line per service; exits
non-zero listing every example that failed, with what grpcurl said.

An answer ALREADY_EXISTS counts as working: READMEs create the same example user.

Usage: python3 e2e_readme.py TOKEN PASSWORD
"""

import os
import re
import subprocess
import sys
import tempfile
import tomllib

PLACEHOLDER = re.compile(r"<[a-zA-Z][^<>]*>")
# A grpcurl call, or a variable set from one.
COMMAND = re.compile(r"^([A-Z_][A-Z0-9_]*=\$\()?grpcurl ")


def is_stream(command):
    """Whether the call's method streams its answers, asked of the server's reflection."""
    words = command.split()
    if len(words) < 2 or "/" not in words[-1]:
        return False
    address, method = words[-2], words[-1].replace("/", ".")
    described = subprocess.run(["grpcurl", "-plaintext", address, "describe", method],
                               capture_output=True, text=True)
    return "returns ( stream" in described.stdout


def with_stream_limit(command):
    if is_stream(command):
        return command.replace("grpcurl ", "grpcurl -max-time 3 ", 1), True
    return command, False


def script_of(commands, directory):
    """One shell script running the commands in order (so a variable one sets is there
    for the next), each command's stderr in its own file, a marker file per failure."""
    lines = ["set -o pipefail"]
    for index, command in enumerate(commands):
        command, streaming = with_stream_limit(command)
        # grpcurl exits with 64 + the gRPC code: 68 is a stream cut by -max-time, 70 an
        # ALREADY_EXISTS.
        accepted = "[ $status -eq 68 ]" if streaming else "[ $status -eq 70 ]"
        lines.append(f"{{\n{command}\n}} 2>{directory}/{index}.err; status=$?; "
                     f"[ $status -eq 0 ] || {accepted} || touch {directory}/{index}.failed")
    return "\n".join(lines)


def main(token, password):
    with open("services/catalog.toml", "rb") as handle:
        catalog = tomllib.load(handle)
    env = dict(os.environ, TOKEN=token, ADMIN=token, PASSWORD=password)
    failures, total, skipped = [], 0, 0
    for service in catalog["service"]:
        if not service.get("implemented"):
            continue
        readme = f"services/{service['name']}/README.md"
        if not os.path.exists(readme):
            continue
        found = commands_in_blocks(readme)
        runnable = [c for c in found if not PLACEHOLDER.search(c)]
        skipped += len(found) - len(runnable)
        with tempfile.TemporaryDirectory() as directory:
            subprocess.run(["bash", "-c", script_of(runnable, directory)], env=env,
                           stdout=subprocess.DEVNULL, timeout=300)
            for index, command in enumerate(runnable):
                if os.path.exists(f"{directory}/{index}.failed"):
                    error = open(f"{directory}/{index}.err", encoding="utf-8").read()
                    failures.append((service["name"], command, error.strip()[:600]))
        total += len(runnable)
        print(f"ok  {service['name']}: {len(runnable)} README examples run")
    for name, command, error in failures:
        print(f"\n{name}: {command}\n  -> {error}", file=sys.stderr)
    print(f"{total} README examples run, {len(failures)} failed, {skipped} left out "
          "(placeholders to fill in)")
    return 1 if failures else 0


def commands_in_blocks(readme):
    """Each command of the README's sh blocks that is a grpcurl call (or sets a variable
    from one); a command runs on while the shell would read on."""
    lines, inside = [], False
    for line in open(readme, encoding="utf-8"):
        stripped = line.strip()
        if stripped.startswith("```"):
            inside = not inside and stripped in ("```sh", "```bash")
            continue
        if inside:
            lines.append(line.rstrip("\n"))
    found, current, continued = [], None, False
    for line in lines:
        if current is None:
            if not COMMAND.match(line.lstrip()):
                continue
            current = line.strip()
        else:
            # A backslash continues the command on the next line; inside quotes the
            # line break is part of the text.
            current += (" " if continued else "\n") + line
        continued = current.endswith("\\")
        if continued:
            current = current[:-1]
            continue
        if incomplete(current):
            continue
        found.append(current)
        current = None
    return found


def incomplete(text):
    """Whether the shell would read on: an open quote or parenthesis, or a trailing |."""
    single = double = escaped = False
    depth = 0
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and not single:
            escaped = True
        elif char == "'" and not double:
            single = not single
        elif char == '"' and not single:
            double = not double
        elif not single and not double and char in "()":
            depth += 1 if char == "(" else -1
    return single or double or depth > 0 or text.rstrip().endswith("|")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
