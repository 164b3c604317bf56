# Shared by the scripts in this folder (and jobs/lib.sh): package checks,
# the build, and the MPI launcher's command line. Source it; it defines
# functions and variables only, after checking CS_MPI (a wrong one: one
# line, status 2).

unset CDPATH # (an exported one makes cd print where it went, into every path read from it)
CS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The MPI to build with and launch under: Open MPI (Debian's default), or
# CS_MPI=mpich for Debian's MPICH beside it (mpicc.mpich, mpiexec.mpich,
# and a build of its own in build-mpich/). On a machine without Debian's
# packages, the MPI is whatever mpicc and mpirun on the PATH are (a
# module's); CS_MPIEXEC names another launcher. Its flags are its own
# (cs_launch).
CS_MPI=${CS_MPI:-openmpi}
case $CS_MPI in
    openmpi)
        CS_MPI_PACKAGES="libopenmpi-dev openmpi-bin"
        CS_MPIEXEC=${CS_MPIEXEC:-mpirun}
        CS_BUILD=${CS_BUILD:-$CS_ROOT/build}
        CS_CMAKE_MPI=()
        ;;
    mpich)
        CS_MPI_PACKAGES="libmpich-dev mpich"
        CS_BUILD=${CS_BUILD:-$CS_ROOT/build-mpich}
        CS_MPIEXEC_GIVEN=${CS_MPIEXEC:-}
        ;;
    *)
        echo "clustersim: CS_MPI is '$CS_MPI': it is openmpi or mpich" >&2
        return 2 2>/dev/null || exit 2
        ;;
esac

# CS_MPI=mpich: Debian's MPICH beside Open MPI (mpicc.mpich,
# mpiexec.mpich) where it is installed, else an MPICH a module put on the
# PATH under its plain names (mpicc, mpiexec).
cs_mpich_names() {
    local cc=mpicc run=mpiexec
    command -v mpicc.mpich >/dev/null 2>&1 && cc=mpicc.mpich run=mpiexec.mpich
    CS_MPIEXEC=${CS_MPIEXEC_GIVEN:-$run}
    CS_CMAKE_MPI=(-DMPI_C_COMPILER=$cc -DMPIEXEC_EXECUTABLE="$(command -v "$CS_MPIEXEC" || echo "$CS_MPIEXEC")")
}
[ "$CS_MPI" != mpich ] || cs_mpich_names

# CS_RUN_ARGS: clustersim arguments that scripts/run.sh and
# scripts/scaling.sh add after all others to every run they start, e.g.
# CS_RUN_ARGS="--set load.seed=7" for another seed everywhere (the docs'
# test shortens every run of a page with it: tests/docs.sh).
read -r -a CS_RUN_EXTRA <<<"${CS_RUN_ARGS:-}"

# The number of CPUs: nproc where there is one (GNU), else getconf
# (macOS, the BSDs).
cs_cores() {
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1
}

# Debian packages a build without MPI needs (virtual time, the labs'
# self-check), and a build and a run on ranks.
CS_CORE_PACKAGES="cmake make gcc libc6-dev libcjson-dev"
CS_RUN_PACKAGES="$CS_CORE_PACKAGES $CS_MPI_PACKAGES"
# Extra packages the test suite needs (cmocka for the unit tests only: a
# run does without it, and a user without root is not asked for it).
CS_TEST_PACKAGES="libcmocka-dev jq time gnuplot-nox libxml2-utils groff-base"

cs_say() { printf '==> %s\n' "$*" >&2; }

# The tool each Debian package stands for, on machines without Debian's
# packages (a cluster's modules, spack, another distribution): a command to
# look for, and how to get it. Libraries (cJSON, cmocka) are left to
# CMake, which says what it cannot find.
cs_tool_of() {
    case $1 in
        libopenmpi-dev | libmpich-dev) echo "mpicc an MPI compiler wrapper (e.g. module load openmpi, or your site's MPI)" ;;
        openmpi-bin | mpich) echo "$CS_MPIEXEC an MPI launcher (e.g. module load openmpi, or your site's MPI)" ;;
        cmake) echo "cmake CMake 3.18 or newer (e.g. module load cmake)" ;;
        gcc) echo "${CC:-cc} a C11 compiler (CC names one, e.g. CC=gcc, as CMake reads it)" ;;
        make) echo "make make" ;;
        gnuplot-nox) echo "gnuplot gnuplot, for the plots" ;;
        jq) echo "jq jq, for reading results in the scripts" ;;
        libxml2-utils) echo "xmllint xmllint (libxml2), for the HTML report's test" ;;
        groff-base) echo "groff groff, for the man page's test" ;;
        time) echo "/usr/bin/time GNU time" ;;
    esac
}

# Without dpkg: check for the tools instead, and say what is missing.
cs_need_tools() {
    local missing=() p tool what
    for p in "$@"; do
        read -r tool what <<<"$(cs_tool_of "$p")"
        [ -n "$tool" ] && ! command -v "$tool" >/dev/null 2>&1 && missing+=("  $tool: $what")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "clustersim needs these tools, not found on the PATH:" >&2
    printf '%s\n' "${missing[@]}" >&2
    echo "cJSON is found by CMake: set CMAKE_PREFIX_PATH to its prefix if it is not in a system path (docs/cluster.md: Building on a cluster)" >&2
    exit 1
}

# Install whatever of the named packages is missing: with apt-get when
# root, otherwise print the exact command and fail. On a machine without
# Debian's packages, check for the tools instead.
# Are packages Debian's here (dpkg, and not CS_NO_PACKAGES)?
cs_debian_packages() { command -v dpkg-query >/dev/null 2>&1 && [ -z "${CS_NO_PACKAGES:-}" ]; }

cs_need_packages() {
    if ! cs_debian_packages; then
        cs_need_tools "$@"
        return
    fi
    local missing=() p installed
    # One dpkg-query for all of them (one each cost a quarter second a run).
    # It exits 1 when one of them was never installed: under pipefail that
    # must not end the script here, before it says what is missing.
    installed=" $({ dpkg-query -W -f='${Package}:${Status}\n' "$@" 2>/dev/null || true; } |
        sed -n 's/^\([^:]*\):.*install ok installed$/\1/p' | tr '\n' ' ')"
    for p in "$@"; do
        [[ $installed == *" $p "* ]] || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        # Not root, as on a cluster whose MPI and CMake come from modules:
        # a tool on the PATH will do, whichever package it came from. When
        # some come from elsewhere so, the libraries (cJSON) may too: CMake
        # looks for them itself, and says so if it finds none. Else (a
        # Debian laptop) the apt-get line for what is missing.
        local absent=() libs=() elsewhere=0 tool what
        for p in "${missing[@]}"; do
            read -r tool what <<<"$(cs_tool_of "$p")"
            if [ -z "$tool" ]; then
                libs+=("$p")
            elif command -v "$tool" >/dev/null 2>&1; then
                elsewhere=1
            else
                absent+=("$p")
            fi
        done
        if [ ${#absent[@]} -eq 0 ] && [ "$elsewhere" -eq 1 ]; then
            [ ${#libs[@]} -eq 0 ] || cs_say "not installed as Debian packages: ${libs[*]}: CMake looks for them elsewhere (CMAKE_PREFIX_PATH)"
            return 0
        fi
        local need=(${absent[@]+"${absent[@]}"} ${libs[@]+"${libs[@]}"})
        echo "clustersim needs these Debian packages: ${need[*]}" >&2
        echo "install them with:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
        echo "then run this script again as yourself (not under sudo: build/ would be root's)" >&2
        echo "or, with them built or loaded another way (modules, cJSON in \$HOME): CS_NO_PACKAGES=1 skips this" >&2
        echo "check, and CMake looks for them (CMAKE_PREFIX_PATH)" >&2
        exit 1
    fi
    cs_say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || {
        echo "apt-get could not install: ${missing[*]}" >&2
        exit 1
    }
}

# Configure and build into $CS_BUILD (extra arguments go to cmake).
cs_build() {
    cs_mpi_check
    cmake -S "$CS_ROOT" -B "$CS_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CS_CMAKE_MPI[@]+"${CS_CMAKE_MPI[@]}"} "$@" >/dev/null || exit 1
    cmake --build "$CS_BUILD" -j "$(cs_cores)" >/dev/null || {
        cmake --build "$CS_BUILD" -j 1   # again, so the errors are readable
        exit 1
    }
}

# Before a build with CS_MPI=mpich: the names again (Debian's MPICH may
# have been installed since this file was read), and never Open MPI's
# plain mpicc and mpiexec under them (Debian's alternatives, without
# MPICH installed or a module loaded).
cs_mpi_check() {
    [ "$CS_MPI" = mpich ] || return 0
    cs_mpich_names
    if [ "$(cs_mpi_family "$CS_MPIEXEC")" = openmpi ]; then
        echo "clustersim: CS_MPI=mpich, but $CS_MPIEXEC is Open MPI's: install Debian's MPICH (libmpich-dev mpich), or load an MPICH module" >&2
        exit 1
    fi
}

# Only the programs a script runs, brought up to date (a build tree that
# exists is not configured again: the build does that when a CMakeLists
# changed). Checking every target costs a second or two a run; the labs
# run clustersim dozens of times.
cs_build_programs() {
    # Nothing to do when every program is newer than every source and
    # build file (make's own look at an up-to-date tree takes 0.6 s).
    local p newest=1
    for p in "$@"; do
        [ -x "$CS_BUILD/$p" ] && [ -z "$(find "$CS_ROOT/src" "$CS_ROOT/include" "$CS_ROOT/tools" \
            "$CS_ROOT/CMakeLists.txt" "$CS_BUILD/CMakeCache.txt" -newer "$CS_BUILD/$p" -print -quit 2>/dev/null)" ] ||
            newest=0
    done
    [ "$newest" -eq 0 ] || return 0
    cs_mpi_check
    # Configured already: a build file stands (a configure that failed
    # leaves CMakeCache.txt, and no Makefile: it runs again, with what the
    # user fixed since, CMAKE_PREFIX_PATH say).
    [ -f "$CS_BUILD/Makefile" ] || [ -f "$CS_BUILD/build.ninja" ] ||
        cmake -S "$CS_ROOT" -B "$CS_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CS_CMAKE_MPI[@]+"${CS_CMAKE_MPI[@]}"} >/dev/null || exit 1
    cmake --build "$CS_BUILD" -j "$(cs_cores)" --target "$@" >/dev/null || {
        cmake --build "$CS_BUILD" -j 1 --target "$@"   # again, so the errors are readable
        exit 1
    }
}

# Environment every mpirun here gets: Open MPI refuses root without these.
# (Open MPI's odls_base_sigkill_timeout, 1 s by default, is the time ranks
# get between a SIGTERM and a SIGKILL: clustersim's graceful stop needs it.)
cs_mpi_env() {
    if [ "$(id -u)" -eq 0 ]; then
        export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi
}

# Which MPI a launcher, or a clustersim by its --version, belongs to:
# openmpi, mpich (MPICH and its Hydra, and the MPIs built on them: Intel
# MPI, MVAPICH), or other.
cs_mpi_family() {
    local v
    v=$("$1" --version 2>&1 || true)
    case $v in
        *"Open MPI"* | *OpenRTE*) echo openmpi ;;
        *HYDRA* | *Hydra* | *MPICH* | *"Intel(R) MPI"*) echo mpich ;;
        *) echo other ;;
    esac
}

# The launcher and its flags for NP ranks on this machine: cs_launch NP
# [LAUNCHER]. Open MPI: -q (no notice of a non-zero exit) and always
# --oversubscribe: it counts physical cores as its slots, nproc counts
# hardware threads (8 on a 4-core laptop with hyperthreads), and under -q
# a shortage of slots ends the run with exit 1 and no message at all.
# MPICH's Hydra starts any number of ranks on one host as it is. (clustersim
# measures whether its host is oversubscribed itself.)
cs_launch() {
    local launcher=${2:-$CS_MPIEXEC}
    case $(cs_mpi_family "$launcher") in
        openmpi) echo "$launcher" -q -np "$1" --oversubscribe ;;
        *) echo "$launcher" -n "$1" ;;
    esac
}

# cs_suite [ctest args...]: the suite in $CS_BUILD, after making sure no
# test is silently absent (every tests/test_*.c is a unit test ctest
# knows: without cmocka CMake leaves them out), then one line adding up
# the checks of the test scripts (tests/checks.sh: CS_TALLY).
cs_suite() {
    local defined registered missing=() t
    cd "$CS_BUILD"
    registered=$(ctest -N -L unit | sed -n 's/^ *Test *#[0-9]*: //p')
    for t in "$CS_ROOT"/tests/test_*.c; do
        t=$(basename "$t" .c)
        grep -qx "unit_${t#test_}" <<<"$registered" || missing+=("unit_${t#test_}")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "unit tests defined in tests/ but not built (is cmocka installed? libcmocka-dev): ${missing[*]}" >&2
        return 1
    fi
    # Without an MPI CMake builds for virtual time only, and leaves out the
    # tests on ranks: a suite without them is not this suite.
    if ! grep -q 'mpi_conservation' <<<"$(ctest -N -L mpi)"; then
        echo "the tests on ranks are not in $CS_BUILD: CMake found no MPI there (see its CMakeCache.txt, MPI_C_FOUND)" >&2
        return 1
    fi
    rm -f "$CS_BUILD/checks.tally" "$CS_BUILD"/theory-calibration-*.json*
    cs_name_pml
    # Every rank's MPI_Init has hwloc look for PCI and I/O devices (a fifth
    # of the CPU a 4-rank launch takes here: mpi_errors 12.9 -> 11.8 s),
    # which the suite, on one host over shared memory and loopback, never
    # uses. Left alone where the caller set it.
    export HWLOC_COMPONENTS=${HWLOC_COMPONENTS--pci,-linuxio}
    # CS_JOBS at a time, 3 by default (those side by side check exit codes,
    # messages and counts, and mostly wait on mpirun's start: 79 s two at
    # a time, 67 s three), but the tests that time things run alone
    # (RUN_SERIAL in tests/CMakeLists.txt).
    local rc=0 skipped
    # (in an || list, set -e does not end the braces before rc is read)
    { ctest --output-on-failure -j"${CS_JOBS:-3}" "$@" | tee "$CS_BUILD/ctest.log"; rc=${PIPESTATUS[0]}; } || true
    cs_tally "$CS_BUILD/checks.tally"
    # A test that skipped itself (exit 77: no MPICH, not root) passes in
    # ctest's count. As root, where scripts/test.sh installed all they
    # need, none may: a broken install step would hide four tests.
    skipped=$(sed -n 's/.* Test *#[0-9]*: \([A-Za-z0-9_]*\) .*\*\*\*Skipped.*/\1/p' "$CS_BUILD/ctest.log" | tr '\n' ' ')
    if [ -n "$skipped" ] && [ "$(id -u)" -eq 0 ] && cs_debian_packages; then
        echo "tests skipped although, as root, all they need was installed: $skipped(see their output above)" >&2
        [ "$rc" -ne 0 ] || rc=1
    elif [ -n "$skipped" ]; then
        echo "skipped (they need root or MPICH; see their output above): $skipped"
    fi
    return "$rc"
}

# cs_name_pml: with Open MPI, name the point-to-point layer (PML) it picks
# on this host anyway, asked once, so that each launch of the suite skips
# probing the others: UCX's probe costs 0.2 s of each 0.7 s 4-rank launch
# on a host without UCX hardware, where Open MPI then picks ob1. The runs
# are the same runs; on a host where it picks another, that one is named.
cs_name_pml() {
    [ -z "${OMPI_MCA_pml:-}" ] && [ "$(cs_mpi_family "${CS_MPIEXEC:-mpirun}")" = openmpi ] || return 0
    local pml out rc=0
    # shellcheck disable=SC2046
    out=$($(cs_launch 2) --mca pml_base_verbose 10 "$CS_BUILD/clustersim" -q --set load.duration_s=0.01 \
        --set load.warmup_s=0 2>&1 </dev/null) || rc=$?
    pml=$(sed -n 's/.* selected \([a-z0-9]*\) best priority.*/\1/p' <<<"$out" | sed -n 1p)
    if [ "$rc" -ne 0 ]; then
        echo "warning: a 2-rank launch to see which PML Open MPI picks failed (exit $rc); its last lines:" >&2
        tail -5 <<<"$out" >&2
    elif [ -n "$pml" ]; then
        export OMPI_MCA_pml=$pml
        echo "Open MPI picks the $pml PML here: named for every launch (OMPI_MCA_pml=$pml)"
    fi
}

# cs_tally FILE: the suite's checks in one line, from the lines the test
# scripts appended (script passed failed timed not_judged skipped).
cs_tally() {
    [ -s "$1" ] || { echo "checks: no test script reported a count" >&2; return 0; }
    awk '{ s++; p += $2; f += $3; t += $4; n += $5; k += $6 }
         END { printf "checks in %d scripts: %d judged (%d passed, %d failed), %d timed checks not judged of %d (%.1f%%)%s\n",
               s, p + f, p, f, n, t, (t ? 100 * n / t : 0), (k ? sprintf(", %d timed checks skipped", k) : "") }' "$1"
}
