#!/usr/bin/env bash
# Checks the generated manual pages and bash completion against what the istmo program says
# about itself (istmo --help, istmo <command> --help): nothing may be missing.
# usage: check_manual.sh ISTMO MAN_DIR COMPLETION pages|render|completion
# Exit 77 (ctest: Not Run) for "render" when man is not installed.
set -euo pipefail
istmo=$1
man_dir=$2
completion=$3
check=$4
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The commands, from the main help: the lines "  <command>  <summary>" after "Commands:".
mapfile -t commands < <("$istmo" --lang en --help | awk '/^Commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}' | grep -vx help)
[ "${#commands[@]}" -ge 5 ] || { echo "FAIL: only ${#commands[@]} commands found in istmo --help" >&2; exit 1; }

# The options a help text lists at the start of a line ("  --trust FILE ...", "  -o, --output").
options_of() { grep -oE '^ {2,}(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u; }

page_text() { MANWIDTH=200 man -l "$1" 2>/dev/null || zcat "$1"; }

case $check in
pages)
  for lang in en es; do
    dir=$man_dir/man1; [ "$lang" = es ] && dir=$man_dir/es/man1
    [ -s "$dir/istmo.1.gz" ] || fail "$dir/istmo.1.gz missing"
    for c in "${commands[@]}"; do
      page=$dir/istmo-$c.1.gz
      if [ ! -s "$page" ]; then fail "$page missing"; continue; fi
      zcat "$page" | grep -q '^\.TH ISTMO-' || fail "$page has no .TH header"
      zcat "$dir/istmo.1.gz" | grep -q "istmo\\\\-$c" || fail "istmo(1) [$lang] does not list $c"
      # Every option the command's help lists is in the page (roff writes - as \-).
      text=$(zcat "$page" | sed 's/\\-/-/g')
      while read -r opt; do
        [ -n "$opt" ] || continue
        grep -qF -- "$opt" <<<"$text" || fail "$page does not mention $opt"
      done < <("$istmo" "$c" --help --lang "$lang" 2>/dev/null | options_of)
    done
    # Spanish pages are in Spanish.
    [ "$lang" = es ] && { zcat "$dir/istmo-verify.1.gz" | grep -q '^\.SH SINOPSIS' || fail "istmo-verify(1) [es] is not in Spanish"; }
  done
  echo "manual pages: ${#commands[@]} commands + istmo(1), in English and Spanish" ;;
render)
  command -v man >/dev/null || { echo "man is not installed: did not run"; exit 77; }
  count=0
  for page in "$man_dir"/man1/*.1.gz "$man_dir"/es/man1/*.1.gz; do
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null || true)
    out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>/dev/null) || fail "man -l $page failed"
    [ -z "$warnings" ] || fail "man --warnings -l $page: $warnings"
    [ "$(wc -l <<<"$out")" -gt 10 ] || fail "man -l $page rendered almost nothing"
    count=$((count + 1))
  done
  echo "man -l rendered $count pages without warnings" ;;
completion)
  [ -s "$completion" ] || { echo "FAIL: $completion missing" >&2; exit 1; }
  # Completes the words given (the last one is the word under the cursor) with the script.
  complete_words() {
    bash -c 'source "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _istmo; printf "%s\n" "${COMPREPLY[@]}"' \
      "$completion" "$@"
  }
  top=$(complete_words istmo "")
  for c in "${commands[@]}" help; do grep -qx "$c" <<<"$top" || fail "'istmo <TAB>' does not offer $c"; done
  for c in "${commands[@]}"; do
    # A command with subcommands offers them. The options its help texts list (some commands
    # share one help between their subcommands) must each be offered after some subcommand.
    subs=$(complete_words istmo "$c" "" | grep -v -- '^--' || true)
    targets=("$c")
    if [ -n "$subs" ]; then
      targets=()
      while read -r s; do targets+=("$c $s"); done <<<"$subs"
    fi
    offered=""
    documented=$("$istmo" "$c" --help --lang en 2>/dev/null | options_of || true)
    for t in "${targets[@]}"; do
      read -ra words <<<"$t"
      offered+=$(complete_words istmo "${words[@]}" --)$'\n'
      documented+=$'\n'$("$istmo" "${words[@]}" --help --lang en 2>/dev/null | options_of || true)
    done
    while read -r opt; do
      [ -n "$opt" ] && [ "$opt" != --help ] || continue
      grep -qx -- "$opt" <<<"$offered" || fail "'istmo $c ... --<TAB>' never offers $opt (listed by its --help)"
    done < <(sort -u <<<"$documented")
  done
  # Options a command accepts (its table) that its --help does not describe: listed in the
  # pages' option index, and reported here so that the help texts can catch up.
  for c in "${commands[@]}"; do
    for s in "" $(complete_words istmo "$c" "" | grep -v -- '^--' || true); do
      read -ra words <<<"$c $s"
      help=$("$istmo" "${words[@]}" --help --lang en 2>/dev/null || true)
      for opt in $(complete_words istmo "${words[@]}" --); do
        case $opt in --help|--lang) continue ;; esac
        grep -q -- "$opt" <<<"$help" || echo "note: 'istmo ${words[*]}' accepts $opt, which its --help does not describe"
      done
    done
  done
  grep -qx es <<<"$(complete_words istmo verify --lang "")" || fail "'--lang <TAB>' does not offer es"
  revocation=$(complete_words istmo verify --revocation "")
  [ "$(sort <<<"$revocation" | tr '\n' ' ')" = "auto off require " ] || fail "'--revocation <TAB>' offers: $revocation"
  echo "completion: ${#commands[@]} commands, their subcommands and options" ;;
*) echo "unknown check $check" >&2; exit 2 ;;
esac
[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
