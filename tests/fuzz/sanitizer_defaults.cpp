// The sanitizer report policy, compiled into every executable of a SCIM_AGENT_SANITIZE build
// (top-level CMakeLists.txt). The integration harness starts scim-agent and genesys-sim with a
// clean environment, so ASAN_OPTIONS from ctest would not reach them: these defaults make any
// report in any process stop it with exit code 86, which no test expects, so the test fails.
// ASAN_OPTIONS / UBSAN_OPTIONS still override them key by key.

extern "C" {

const char* __asan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "halt_on_error=1:exitcode=86:detect_leaks=1:abort_on_error=0:"
         "detect_stack_use_after_return=0:strict_init_order=1";
}

const char* __ubsan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "halt_on_error=1:exitcode=86:print_stacktrace=1";
}

const char* __lsan_default_options() {  // NOLINT(bugprone-reserved-identifier)
  return "exitcode=86";
}

}  // extern "C"
