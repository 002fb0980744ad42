# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for gattctl (installed in bash-completion's completionsdir): commands,
# options (each command's --help lists them), characteristic and descriptor ids asked
# of the running gattd (`gattctl --json list`), central addresses (`devices`, `bonds`),
# and the words some commands take.

# The ids of gattd's list reply: depth 2 characteristics, 3 descriptors ("chars descs" for both).
_gattctl_ids() {
	local depth=$1 json id
	json=$(gattctl "${_gattctl_socket[@]}" --json list 2>/dev/null) || return
	for id in $(printf '%s\n' "$json" | grep -o '"id":"[^"]*"' | sed 's/^"id":"//; s/"$//'); do
		case $depth in
		chars) [[ $id == */* && $id != */*/* ]] && printf '%s\n' "$id" ;;
		descs) [[ $id == */*/* ]] && printf '%s\n' "$id" ;;
		both) [[ $id == */* ]] && printf '%s\n' "$id" ;;
		esac
	done
}

# The addresses of gattd's devices (or bonds) reply.
_gattctl_addresses() {
	gattctl "${_gattctl_socket[@]}" --json "$1" 2>/dev/null | grep -o '"address":"[^"]*"' |
		sed 's/^"address":"//; s/"$//' | sort -u
}

_gattctl() {
	local cur prev verb= i n_args=0
	local verbs="status list get set watch next-write devices disconnect pairable bonds forget
		handle confirm advertise wait reload"
	_gattctl_socket=()
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The command, the --socket given (before or after it), and how many arguments precede cur.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-s | --socket)
			_gattctl_socket=(--socket "${COMP_WORDS[i + 1]}")
			((i++))
			;;
		--socket=*) _gattctl_socket=("${COMP_WORDS[i]}") ;;
		-t) [[ $verb == watch ]] || ((i++)) ;; # watch's -t is --timestamps, the others' --timeout
		--timeout | --cmd | --read-cmd | --write-cmd | --cmd-timeout | --name | --uuids | \
			--service-data | --manufacturer-data | -a | --advertisement | --device | -m) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $verb ]]; then
				verb=${COMP_WORDS[i]}
			else
				((n_args++))
			fi
			;;
		esac
	done

	case $prev in
	-t)
		[[ $verb == watch ]] || return
		;;
	-s | --socket)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--timeout | --cmd-timeout | --name | --uuids | --cmd | --read-cmd | --write-cmd | \
		--service-data | --manufacturer-data | -m | -a | --advertisement)
		return
		;;
	--device)
		COMPREPLY=($(compgen -W "$(_gattctl_addresses devices)" -- "$cur"))
		return
		;;
	esac

	if [[ -z $verb ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--socket --json --version --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
		fi
		return
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(gattctl "$verb" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u)" \
			-- "$cur"))
		return
	fi

	case $verb in
	get) ((n_args == 0)) && COMPREPLY=($(compgen -W "$(_gattctl_ids both)" -- "$cur")) ;;
	set | next-write) ((n_args == 0)) && COMPREPLY=($(compgen -W "$(_gattctl_ids chars)" -- "$cur")) ;;
	watch | handle) COMPREPLY=($(compgen -W "$(_gattctl_ids chars)" -- "$cur")) ;;
	disconnect) ((n_args == 0)) && COMPREPLY=($(compgen -W "$(_gattctl_addresses devices)" -- "$cur")) ;;
	forget) ((n_args == 0)) && COMPREPLY=($(compgen -W "$(_gattctl_addresses bonds)" -- "$cur")) ;;
	pairable) ((n_args == 0)) && COMPREPLY=($(compgen -W "on off" -- "$cur")) ;;
	advertise) ((n_args == 0)) && COMPREPLY=($(compgen -W "on off reset" -- "$cur")) ;;
	wait) ((n_args == 0)) && COMPREPLY=($(compgen -W "on-air registered advertising connected" -- "$cur")) ;;
	esac
	return 0
}
complete -F _gattctl gattctl
