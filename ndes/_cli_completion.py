"""``ndes completion bash|zsh|fish``: a completion script written from the command's own
argparse parser, so it knows every command and option the installed ndes has, and needs no
package of its own (argcomplete would run Python on every Tab).

    eval "$(ndes completion bash)"            # in ~/.bashrc
    eval "$(ndes completion zsh)"             # in ~/.zshrc, after compinit
    ndes completion fish | source             # in ~/.config/fish/config.fish
"""

from __future__ import annotations

import argparse
from typing import Any, NamedTuple

SHELLS = ("bash", "zsh", "fish")


class Option(NamedTuple):
    flags: tuple[str, ...]
    help: str
    takes_value: bool
    #: What the value may be, when it is one of a few words.
    values: tuple[str, ...]
    #: The value is a path.
    path: bool
    repeatable: bool


class Command(NamedTuple):
    name: str
    help: str
    options: tuple[Option, ...]
    #: The positional arguments: (name, the words it may be, or none).
    positionals: tuple[tuple[str, tuple[str, ...]], ...]


def add_command(commands: Any) -> None:
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script for bash, zsh or fish; see docs/cli.md.",
    )
    completion.add_argument("shell", choices=SHELLS)


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    commands = _commands(parser)
    top = _options(parser)
    return {"bash": _bash, "zsh": _zsh, "fish": _fish}[shell](commands, top)


def _commands(parser: argparse.ArgumentParser) -> list[Command]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help or "" for choice in sub._choices_actions}
    return [
        Command(
            name,
            helps.get(name, ""),
            _options(command),
            tuple(
                (a.dest, tuple(map(str, a.choices or ())))
                for a in command._actions
                if not a.option_strings
            ),
        )
        for name, command in sub.choices.items()
    ]


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    from ._state import NdesConnectorState

    options = []
    for action in parser._actions:
        if not action.option_strings:
            continue
        values: tuple[str, ...] = tuple(map(str, action.choices or ()))
        if action.dest == "state":  # checked by the core (exit 3), so no argparse choices
            values = tuple(state.value for state in NdesConnectorState)
        options.append(
            Option(
                tuple(action.option_strings),
                " ".join((action.help or "").split()),
                action.nargs != 0,
                values,
                action.metavar == "FILE",
                isinstance(action, argparse._AppendAction),
            )
        )
    return tuple(options)


def _flags(options: tuple[Option, ...]) -> str:
    return " ".join(flag for option in options for flag in option.flags)


def _bash(commands: list[Command], top: tuple[Option, ...]) -> str:
    names = " ".join(c.name for c in commands)
    values, words = [], []
    for command in commands:
        free = []  # options whose value is free text: nothing to offer
        for option in command.options:
            cases = "|".join(f'"{command.name} {flag}"' for flag in option.flags)
            if option.path:
                values.append(f'        {cases}) COMPREPLY=($(compgen -f -- "$cur")); return ;;')
            elif option.values:
                words_ = " ".join(option.values)
                values.append(
                    f'        {cases}) COMPREPLY=($(compgen -W "{words_}" -- "$cur")); return ;;'
                )
            elif option.takes_value:
                free.append(cases)
        if free:
            values.append(f"        {'|'.join(free)}) COMPREPLY=(); return ;;")
        choices = " ".join(v for _, vs in command.positionals for v in vs)
        words.append(f'        {command.name}) opts="{_flags(command.options)} {choices}" ;;')
    return f"""# bash completion for ndes, written by `ndes completion bash`
_ndes() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local cmd="" opts="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case " {names} " in
        *" ${{COMP_WORDS[i]}} "*) cmd="${{COMP_WORDS[i]}}"; break ;;
        esac
    done
    if [[ -z $cmd ]]; then
        COMPREPLY=($(compgen -W "{names} {_flags(top)}" -- "$cur"))
        return
    fi
    case "$cmd $prev" in
{chr(10).join(values)}
    esac
    case $cmd in
{chr(10).join(words)}
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}}
complete -F _ndes ndes
"""


def _zsh_text(text: str) -> str:
    """Text inside a single-quoted _arguments spec: its brackets and colons escaped."""
    for c in "\\[]:":
        text = text.replace(c, "\\" + c)
    return text.replace("'", "'\\''")


def _zsh_spec(option: Option) -> str:
    """One _arguments spec; ``-v``/``--verbose`` as one exclusive pair."""
    rest = ""
    if option.takes_value and option.path:
        rest = ":file:_files"
    elif option.takes_value and option.values:
        rest = f":value:({' '.join(option.values)})"
    elif option.takes_value:
        rest = ":value: "
    described = f"[{_zsh_text(option.help)}]{rest}"
    if len(option.flags) == 1:
        return f"'{'*' if option.repeatable else ''}{option.flags[0]}{described}'"
    return f"'({' '.join(option.flags)})'{{{','.join(option.flags)}}}'{described}'"


def _zsh(commands: list[Command], top: tuple[Option, ...]) -> str:
    described = "\n".join(f"    '{c.name}:{_zsh_text(c.help)}'" for c in commands)
    cases = []
    for command in commands:
        specs = [_zsh_spec(o) for o in command.options]
        for name, choices in command.positionals:
            specs.append(f"':{name}:({' '.join(choices)})'" if choices else f"':{name}: '")
        body = " \\\n            ".join(specs)
        cases.append(
            f"        {command.name})\n            _arguments -s \\\n            {body} ;;"
        )
    top_specs = " \\\n        ".join(_zsh_spec(o) for o in top)
    return f"""#compdef ndes
# zsh completion for ndes, written by `ndes completion zsh`
_ndes() {{
    local -a commands
    commands=(
{described}
    )
    if (( CURRENT == 2 )); then
        _describe -t commands 'ndes command' commands
        _arguments -s \\
        {top_specs}
        return
    fi
    local cmd=$words[2]
    shift words
    (( CURRENT-- ))
    case $cmd in
{chr(10).join(cases)}
    esac
}}
compdef _ndes ndes
"""


def _fish_text(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(condition: str, option: Option) -> str:
    line = f"complete -c ndes -n {_fish_text(condition)}"
    for flag in option.flags:
        line += f" -l {flag[2:]}" if flag.startswith("--") else f" -s {flag[1:]}"
    if option.takes_value:
        if option.path:
            line += " -r -F"
        elif option.values:
            line += f" -x -a {_fish_text(' '.join(option.values))}"
        else:
            line += " -x"
    return line + f" -d {_fish_text(option.help)}"


def _fish(commands: list[Command], top: tuple[Option, ...]) -> str:
    lines = ["# fish completion for ndes, written by `ndes completion fish`", "complete -c ndes -f"]
    for option in top:
        lines.append(_fish_option("__fish_use_subcommand", option))
    for command in commands:
        lines.append(
            f"complete -c ndes -n __fish_use_subcommand -a {command.name} "
            f"-d {_fish_text(command.help)}"
        )
        condition = f"__fish_seen_subcommand_from {command.name}"
        for option in command.options:
            lines.append(_fish_option(condition, option))
        for _, choices in command.positionals:
            if choices:
                words = _fish_text(" ".join(choices))
                lines.append(f"complete -c ndes -n {_fish_text(condition)} -a {words}")
    return "\n".join(lines) + "\n"
