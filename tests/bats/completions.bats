#!/usr/bin/env bats
# Shell completions: no drift from `sandrun --help`, valid syntax, and they
# actually complete options, option values and policy names.

load helpers

BASH_COMP="$SANDRUN_SRCDIR/completions/bash/sandrun"
ZSH_COMP="$SANDRUN_SRCDIR/completions/zsh/_sandrun"
FISH_COMP="$SANDRUN_SRCDIR/completions/fish/sandrun.fish"

# The long options of `sandrun --help`, one per line, without "--".
help_long_options() {
	"$SANDRUN" --help |
		sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p'
}

# The long options of `sandrun serve --help`, one per line, without "--".
serve_long_options() {
	"$SANDRUN" serve --help |
		sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p'
}

# The short options of `sandrun --help`, one per line, without "-".
help_short_options() {
	"$SANDRUN" --help | sed -n 's/^ *-\([A-Za-z]\), --.*/\1/p'
}

# bash_complete WORD...: run the bash completion for the command line
# "WORD..." (the last word is the one being completed; the first is the
# sandrun binary under test) and print the candidates, one per line.
bash_complete() {
	local bc=/usr/share/bash-completion/bash_completion
	[ -f "$bc" ] || need "bash-completion is not installed"
	bash --norc --noprofile -c '
		bc=$1 comp=$2
		shift 2
		# shellcheck disable=SC1090
		source "$bc"
		# shellcheck disable=SC1090
		source "$comp"
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		_sandrun sandrun "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$bc" "$BASH_COMP" "$@"
}

@test "completions: --help lists options to check" {
	run -0 help_long_options
	[ "${#lines[@]}" -ge 20 ]
	assert_line policy
	assert_line check-host
}

@test "completions: every long option of --help is in all three files" {
	local opt missing=
	for opt in $(help_long_options); do
		grep -q -- "--$opt\\b" "$BASH_COMP" || missing="$missing bash:--$opt"
		grep -q -- "--$opt\\b" "$ZSH_COMP" || missing="$missing zsh:--$opt"
		grep -Eq -- "-l $opt( |\$)" "$FISH_COMP" || missing="$missing fish:--$opt"
	done
	[ -z "$missing" ] || fail "missing from the completions:$missing"
}

@test "completions: every short option of --help is in all three files" {
	local opt missing=
	for opt in $(help_short_options); do
		grep -Eq -- "(^|[ '|\"])-$opt( |\$|')" "$BASH_COMP" || missing="$missing bash:-$opt"
		grep -Eq -- "[{,]-$opt[+,}]" "$ZSH_COMP" || missing="$missing zsh:-$opt"
		grep -Eq -- "-s $opt " "$FISH_COMP" || missing="$missing fish:-$opt"
	done
	[ -z "$missing" ] || fail "missing from the completions:$missing"
}

@test "completions: no option in the files that --help does not know" {
	local opt known extra=
	known=" $( (help_long_options; serve_long_options) | tr '\n' ' ') "
	for opt in $(grep -v '^ *#' "$BASH_COMP" | grep -o -- "--[a-z][a-z-]*" | sort -u); do
		[[ $known == *" ${opt#--} "* ]] || extra="$extra bash:$opt"
	done
	for opt in $(sed -n 's/^complete -c sandrun .* -l \([a-z][a-z-]*\) .*/\1/p' "$FISH_COMP"); do
		[[ $known == *" $opt "* ]] || extra="$extra fish:--$opt"
	done
	[ -z "$extra" ] || fail "unknown options in the completions:$extra"
}

@test "completions: bash file passes shellcheck" {
	require_cmd shellcheck
	run -0 shellcheck -s bash "$BASH_COMP"
}

@test "completions: bash completes --netw to --network" {
	run -0 bash_complete "$SANDRUN" --netw
	assert_output --network
}

@test "completions: bash completes the values of --network and --format" {
	run -0 bash_complete "$SANDRUN" --network ""
	assert_equal "$(printf '%s ' "${lines[@]}")" "loopback none "
	run -0 bash_complete "$SANDRUN" --format ""
	assert_equal "$(printf '%s ' "${lines[@]}")" "json text tool "
}

@test "completions: bash completes policy names from --list-policies" {
	run -0 bash_complete "$SANDRUN" -p py
	assert_output python
	run -0 bash_complete "$SANDRUN" --print-policy st
	assert_output strict
	run -0 bash_complete "$SANDRUN" --policy ""
	assert_line python
	assert_line sh
	refute_line --partial /
}

@test "completions: bash completes files for --file and the code file" {
	local d
	d=$(scratch)
	touch "$d/data.csv" "$d/main.py"
	run -0 bash_complete "$SANDRUN" --file "$d/da"
	assert_output "$d/data.csv"
	run -0 bash_complete "$SANDRUN" -p python "$d/ma"
	assert_output "$d/main.py"
}

@test "completions: bash completes the command after --exec --" {
	run -0 bash_complete "$SANDRUN" --exec -- ech
	assert_line echo
}

@test "completions: zsh file parses (zsh -n)" {
	require_cmd zsh
	run -0 zsh -n "$ZSH_COMP"
}

# zsh_complete LINE EXPECT: type LINE<TAB> in an interactive zsh that loads
# our _sandrun and wait (at most 10 s) until the screen shows EXPECT.
zsh_complete() {
	zsh -f -c '
		zmodload zsh/zpty || exit 2
		zpty -b z zsh -f -i
		zpty -w z "PS1=\"> \"; fpath=($1 \$fpath); autoload -Uz compinit; compinit -u -D; zle_highlight=(none)"
		zpty -w z "path=(${2:h} \$path); export SANDRUN_POLICY_PATH=$4"
		zpty -w z "sandrun $3"$'"'"'\t'"'"'
		local out= chunk i
		for i in {1..100}; do
			zpty -r -t z chunk && out+=$chunk
			[[ $out == *"$5"* ]] && { zpty -d z; exit 0; }
			sleep 0.1
		done
		zpty -d z
		print -r -- "$out"
		exit 1
	' zsh "${ZSH_COMP%/*}" "$SANDRUN" "$1" "$SANDRUN_POLICY_PATH" "$2"
}

@test "completions: zsh completes options, values and policy names" {
	require_cmd zsh
	local d
	d=$(scratch)
	ln -s "$SANDRUN" "$d/sandrun"
	SANDRUN="$d/sandrun"
	run -0 zsh_complete '--netw' 'sandrun --network='
	run -0 zsh_complete '--format=j' 'sandrun --format=json'
	run -0 zsh_complete '-p py' 'sandrun -p python'
}

@test "completions: fish file parses (fish --no-execute)" {
	require_cmd fish
	run -0 fish --no-execute "$FISH_COMP"
}

@test "completions: fish completes options, values and policy names" {
	require_cmd fish
	local d
	d=$(scratch)
	ln -s "$SANDRUN" "$d/sandrun"
	fish_complete() {
		fish --no-config -c "set PATH $d \$PATH; source $FISH_COMP; complete -C '$1'"
	}
	run -0 fish_complete 'sandrun --netw'
	assert_line --regexp $'^--network\t'
	run -0 fish_complete 'sandrun --network '
	assert_line --regexp $'^loopback\t'
	assert_line --regexp $'^none\t'
	run -0 fish_complete 'sandrun --format '
	assert_equal "${#lines[@]}" 3
	run -0 fish_complete 'sandrun -p py'
	assert_line --regexp $'^python\t'
	run -0 fish_complete 'sandrun --exec -- ech'
	assert_line --regexp $'^echo(\t|$)'
}

@test "completions: every option of sandrun serve --help is in all three files" {
	local opt missing=
	for opt in $(serve_long_options); do
		grep -q -- "--$opt\\b" "$BASH_COMP" || missing="$missing bash:--$opt"
		grep -q -- "--$opt\\b" "$ZSH_COMP" || missing="$missing zsh:--$opt"
		grep -Eq -- "-l $opt( |\$)" "$FISH_COMP" || missing="$missing fish:--$opt"
	done
	[ -z "$missing" ] || fail "missing from the completions:$missing"
}

@test "completions: bash completes serve and its options" {
	run -0 bash_complete "$SANDRUN" ser
	assert_line serve
	run -0 bash_complete "$SANDRUN" serve --st
	assert_output --status
	run -0 bash_complete "$SANDRUN" serve --pool py
	assert_output python=
}
