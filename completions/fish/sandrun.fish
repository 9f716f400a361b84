# fish completion for sandrun(1).  Install in fish's vendor_completions.d
# (pkg-config --variable=completionsdir fish).  Keep the options in
# LC_ALL=C order and in step with `sandrun --help`
# (tests/bats/completions.bats checks that every long option is here).

# Policy names with their descriptions, from `sandrun --list-policies`.
function __sandrun_policies
    set -l cmd (commandline -opc)[1]
    test -n "$cmd"; or set cmd sandrun
    command $cmd --list-policies 2>/dev/null | string replace -r '^(\S+)\s+(.*?)\s+/\S*$' '$1\t$2'
end

# True once "--exec" and then "--" were given: complete the command instead.
function __sandrun_exec_command
    set -l tokens (commandline -opc)
    set -l i (contains -i -- -- $tokens); or return 1
    contains -- --exec $tokens[1..$i]
end

complete -c sandrun -n __sandrun_exec_command -f -a '(__fish_complete_subcommand -- --exec --)'
complete -c sandrun -n __fish_is_first_arg -a mcp -d 'serve the Model Context Protocol on stdio'

# sandrun serve [OPTION]...
complete -c sandrun -n __fish_is_first_arg -f -a serve -d 'Serve calls of this user from a socket'
complete -c sandrun -n '__fish_seen_subcommand_from serve' -l idle-exit -x -d 'Exit after DUR without a connection'
complete -c sandrun -n '__fish_seen_subcommand_from serve' -l pool -x -a '(__sandrun_policies | string replace -r \'\t.*\' =)' -d 'Keep N sandboxes for POLICY (POLICY=N)'
complete -c sandrun -n '__fish_seen_subcommand_from serve' -l socket -r -F -d 'Socket path'
complete -c sandrun -n '__fish_seen_subcommand_from serve' -l status -d 'Print the running server\'s pools and counters'

complete -c sandrun -n 'not __sandrun_exec_command' -l bind -r -F -d 'Bind a host path read-only (SRC[:DEST])'
complete -c sandrun -n 'not __sandrun_exec_command' -l bind-rw -r -F -d 'Bind a host path read-write (SRC[:DEST])'
complete -c sandrun -n 'not __sandrun_exec_command' -l cgroup -r -f -a '(__fish_complete_directories)' -d 'Create the run\'s cgroup under this delegated v2 cgroup'
complete -c sandrun -n 'not __sandrun_exec_command' -l check-host -d 'Report which sandbox features this host supports'
complete -c sandrun -n 'not __sandrun_exec_command' -l check-policy -r -F -d 'Validate a policy file and exit'
complete -c sandrun -n 'not __sandrun_exec_command' -l cold -d 'Run here, never through a running sandrun serve'
complete -c sandrun -n 'not __sandrun_exec_command' -l session -x -d 'Run in the named persistent sandbox'
complete -c sandrun -n 'not __sandrun_exec_command' -l session-idle -x -d 'End a new session after this long without calls'
complete -c sandrun -n 'not __sandrun_exec_command' -l session-lifetime -x -d 'End a new session this long after it began'
complete -c sandrun -n 'not __sandrun_exec_command' -l list-sessions -d 'List this user\'s sessions'
complete -c sandrun -n 'not __sandrun_exec_command' -l end-session -x -d 'End a session and remove its sandbox'
complete -c sandrun -n 'not __sandrun_exec_command' -l cpu-time -x -d 'CPU time limit (500ms, 10s, 2m)'
complete -c sandrun -n 'not __sandrun_exec_command' -s e -l env -x -a '(set -xn | string replace -r \'$\' =)' -d 'Set a variable in the sandbox (NAME=VALUE)'
complete -c sandrun -n 'not __sandrun_exec_command' -l exec -d 'Run COMMAND (after --) instead of code'
complete -c sandrun -n 'not __sandrun_exec_command' -s f -l file -r -F -d 'Copy a host file into the sandbox (SRC[:DEST])'
complete -c sandrun -n 'not __sandrun_exec_command' -l format -x -a 'json\tJSON\ result\ object text\tProgram\ output,\ the\ default tool\tCompact\ text\ for\ a\ model' -d 'Output format'
complete -c sandrun -n 'not __sandrun_exec_command' -s h -l help -d 'Show the help and exit'
complete -c sandrun -n 'not __sandrun_exec_command' -l inline-files -d 'Put created files up to MAX bytes in the JSON result (--inline-files=MAX)'
complete -c sandrun -n 'not __sandrun_exec_command' -s j -l json -d 'Print one JSON result object instead of the output'
complete -c sandrun -n 'not __sandrun_exec_command' -l list-policies -d 'List the policies found and where'
complete -c sandrun -n 'not __sandrun_exec_command' -s m -l memory -x -d 'Memory limit (512M, 1G)'
complete -c sandrun -n 'not __sandrun_exec_command' -l network -x -a 'loopback\tOnly\ lo none\tNo\ network' -d 'Network mode'
complete -c sandrun -n 'not __sandrun_exec_command' -s o -l out -r -f -a '(__fish_complete_directories)' -d 'Copy files the code created into DIR'
complete -c sandrun -n 'not __sandrun_exec_command' -l output-limit -x -d 'Bytes kept per output stream'
complete -c sandrun -n 'not __sandrun_exec_command' -l pids -x -d 'Process and thread limit'
complete -c sandrun -n 'not __sandrun_exec_command' -l cpus -x -d 'CPU rate in CPUs (0.5, 2)'
complete -c sandrun -n 'not __sandrun_exec_command' -s p -l policy -r -a '(__sandrun_policies)' -d 'Policy name or file'
complete -c sandrun -n 'not __sandrun_exec_command' -l print-policy -x -a '(__sandrun_policies)' -d 'Print the resolved policy as JSON'
complete -c sandrun -n 'not __sandrun_exec_command' -s q -l quiet -d 'No notices from sandrun on stderr'
complete -c sandrun -n 'not __sandrun_exec_command' -l stdin -r -F -d 'Feed FILE to the program (- = our stdin)'
complete -c sandrun -n 'not __sandrun_exec_command' -s t -l timeout -x -d 'Wall-clock limit (500ms, 10s, 2m)'
complete -c sandrun -n 'not __sandrun_exec_command' -s V -l version -d 'Show version and kernel features, and exit'
complete -c sandrun -n 'not __sandrun_exec_command' -s v -l verbose -d 'Trace setup and print a summary line'
