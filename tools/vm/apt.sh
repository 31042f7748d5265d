# shellcheck shell=bash
# Shared by fetch-kernels and fetch-qemu (sourced): download Debian packages
# with apt-get download, never installing them, into $VQTRACE_CACHE/debs/,
# from the host's own apt sources or from a suite the host's sources lack
# (through a private apt state under $VQTRACE_CACHE/apt/SUITE/).
# The caller defines log and die and sets VQTRACE_CACHE.

apt_download() { # pkg; run inside the debs dir
	apt-get -q -o APT::Sandbox::User=root download "$1" >&2
}

# debian_uri -> the URI of the Debian archive the host's own apt sources use
# for its release (not its security archive), from deb822 *.sources or
# one-line *.list files; VQTRACE_DEBIAN_URI overrides. Nothing names a host
# here: the rig follows the machine's configuration.
debian_uri() {
	if [[ -n ${VQTRACE_DEBIAN_URI:-} ]]; then
		printf '%s\n' "${VQTRACE_DEBIAN_URI%/}"
		return 0
	fi
	local uri=''
	shopt -s nullglob
	local sources=(/etc/apt/sources.list.d/*.sources) lists=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list)
	shopt -u nullglob
	if ((${#sources[@]})); then
		# One stanza per paragraph: Types deb, component main, a suite that
		# is neither a security suite nor a flat path, and not disabled.
		uri=$(awk 'BEGIN { RS = ""; FS = "\n" }
			{
				delete v
				for (i = 1; i <= NF; i++) {
					if ($i ~ /^[ \t]*#/ || $i !~ /:/) continue
					k = tolower($i); sub(/:.*/, "", k); gsub(/[ \t]/, "", k)
					x = $i; sub(/^[^:]*:[ \t]*/, "", x); v[k] = x
				}
				if (tolower(v["enabled"]) == "no" || (" " v["types"] " ") !~ / deb / ||
				    (" " v["components"] " ") !~ / main /) next
				n = split(v["suites"], s, /[ \t]+/)
				for (j = 1; j <= n; j++)
					if (s[j] != "" && s[j] !~ /-security$/ && s[j] !~ /\//) {
						split(v["uris"], u, /[ \t]+/); print u[1]; exit
					}
			}' "${sources[@]}" 2>/dev/null)
	fi
	if [[ -z $uri && ${#lists[@]} -gt 0 ]]; then
		uri=$(sed -e 's/#.*//' -e 's/\[[^]]*\]//' "${lists[@]}" 2>/dev/null | awk '
			$1 == "deb" && $3 !~ /-security$/ && $3 !~ /\// {
				for (i = 4; i <= NF; i++) if ($i == "main") { print $2; exit }
			}')
	fi
	[[ -n $uri ]] || return 1
	printf '%s\n' "${uri%/}"
}

first_problem() { # apt log -> its first E:/W: line, for a one-line error
	sed -n 's/^[EW]: //p' "$1" | head -n1
}

# A private apt state for a suite the host's sources lack: its own one-line
# sources file, lists and caches under $VQTRACE_CACHE/apt/SUITE, so the
# host's apt configuration and package caches are left alone.
suite_apt() { # suite args... : apt-get with the suite's private state
	local dir=$VQTRACE_CACHE/apt/$1
	shift
	apt-get -qq -o APT::Sandbox::User=root \
		-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" "$@"
}

suite_update() { # suite: (re)write its sources file and run apt-get update
	local suite=$1 dir=$VQTRACE_CACHE/apt/$1 uri line
	uri=$(debian_uri) || die "no Debian archive found in /etc/apt/sources.list(.d) to fetch $suite from; set VQTRACE_DEBIAN_URI"
	line="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main"
	[[ -r /usr/share/keyrings/debian-archive-keyring.gpg ]] ||
		die "/usr/share/keyrings/debian-archive-keyring.gpg missing (apt-get install debian-archive-keyring)"
	mkdir -p "$dir/lists/partial" "$dir/cache"
	printf '%s\n' "$line" >"$dir/sources.list"
	log "updating the package list of $suite"
	suite_apt "$suite" update >"$dir/update.log" 2>&1 ||
		die "apt-get update of $suite failed: $(first_problem "$dir/update.log") (all of it: $dir/update.log)"
	# apt-get update can exit 0 when a Release file fails to verify or download.
	! grep -qE '^(W|E): (Failed|GPG|The repository|Some index)' "$dir/update.log" ||
		die "apt-get update of $suite failed: $(first_problem "$dir/update.log") (all of it: $dir/update.log)"
}

suite_listed() { # suite: has its package list been fetched from the host's archive?
	local dir=$VQTRACE_CACHE/apt/$1 uri
	uri=$(debian_uri) || return 1
	[[ -f $dir/sources.list && $(cat "$dir/sources.list") == *" $uri $1 main" ]] || return 1
	compgen -G "$dir/lists/*_dists_${1}_main_binary-*_Packages*" >/dev/null
}

fetch_suite_deb() { # pkg version suite; run inside the debs dir
	local pkg=$1 ver=$2 suite=$3 log=$VQTRACE_CACHE/apt/$3/download.log
	suite_listed "$suite" || suite_update "$suite"
	log "downloading $pkg ${ver:-(newest)} from $suite"
	if ! suite_apt "$suite" download "$pkg${ver:+=$ver}" >"$log" 2>&1; then
		log "apt-get download failed; updating the package list of $suite once and retrying"
		suite_update "$suite"
		suite_apt "$suite" download "$pkg${ver:+=$ver}" >"$log" 2>&1 ||
			die "apt-get download $pkg${ver:+=$ver} from $suite failed: $(first_problem "$log") (if the version left the archive, pin the current one in tools/vm/kernels.conf or tools/vm/qemu.conf; all of apt's output: $log)"
	fi
}

fetch_deb() { # pkg [version suite] -> prints the .deb path
	local pkg=$1 ver=${2:-} suite=${3:-} debs=$VQTRACE_CACHE/debs deb pat
	mkdir -p "$debs"
	# apt names the file PKG_VERSION_ARCH.deb, an epoch's ':' as %3a.
	pat="${pkg}_*.deb"
	[[ -z $ver ]] || pat="${pkg}_${ver//:/%3a}_*.deb"
	deb=$(find "$debs" -maxdepth 1 -name "$pat" | head -n1)
	if [[ -z $deb && -n $suite ]]; then
		(cd "$debs" && fetch_suite_deb "$pkg" "$ver" "$suite") || exit 1
		deb=$(find "$debs" -maxdepth 1 -name "$pat" | head -n1)
		[[ -n $deb ]] || die "apt-get download $pkg produced no $pat in $debs"
	elif [[ -z $deb ]]; then
		log "downloading $pkg"
		if ! (cd "$debs" && apt_download "$pkg"); then
			log "apt-get download failed; running apt-get update once and retrying"
			apt-get -q update >&2 || die "apt-get update failed"
			(cd "$debs" && apt_download "$pkg") ||
				die "apt-get download $pkg failed: run apt-get update, or check the package name in tools/vm/kernels.conf"
		fi
		deb=$(find "$debs" -maxdepth 1 -name "$pat" | head -n1)
		[[ -n $deb ]] || die "apt-get download $pkg produced no .deb in $debs"
	fi
	printf '%s\n' "$deb"
}
