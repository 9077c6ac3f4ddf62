# Step timing for scripts/check.sh and scripts/check-synth.sh (sourced): each step's wall time is
# recorded when the next starts; the caller prints "${timings[@]}" at the end (this is how the
# check's own speed is watched; the tests themselves never time anything).
timings=()
step_name=''
step_started=0
step_end() {
  if [ -n "$step_name" ]; then timings+=("$(awk -v a="$step_started" -v b="$(date +%s.%N)" -v n="$step_name" 'BEGIN { printf "%6.1f s  %s", b - a, n }')"); fi
}
step() {
  step_end
  step_name="$*"
  step_started=$(date +%s.%N)
  printf '\n== %s\n' "$*"
}
