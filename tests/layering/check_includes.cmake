# The layering of agent/ and state/, checked from their #include lines (issue 9, STYLE §1-2).
#
#   cmake -DROOT=<source dir> -P check_includes.cmake
#       Reads every #include of agent/** and state/** and fails, naming file:line and the include,
#       when a module includes one above it or breaks a stricter rule below.
#   cmake -DSELF_TEST=ON -DWORK=<scratch dir> -P check_includes.cmake
#       Writes a small tree with known good and bad includes to WORK and checks that exactly the
#       bad ones are reported: the check catches what it should and nothing else.
#
# Modules are agent/<dir> and state/. Tiers, top to bottom; a module may include its own tier or
# lower. Tiers may name modules that do not exist yet. Files directly in agent/ are the
# composition root and may include anything.
#   4 cli
#   3 reconcile
#   2 apply live desired sources report serve
#   1 scim plan state notify config
#   0 model codec metrics log base
# Stricter:
#   agent/model includes only the standard library, agent/base and agent/model;
#   agent/plan only those and agent/plan; agent/base only the standard library and agent/base.
#   Their <...> includes are standard-library headers only (no Poco, yaml-cpp, sqlite, POSIX).
cmake_minimum_required(VERSION 3.16)

set(tier_cli 4)
set(tier_reconcile 3)
foreach(m apply live desired sources report serve)
  set(tier_${m} 2)
endforeach()
foreach(m scim plan state notify config)
  set(tier_${m} 1)
endforeach()
foreach(m model codec metrics log base)
  set(tier_${m} 0)
endforeach()

set(allowed_model base model)
set(allowed_plan base model plan)
set(allowed_base base)

# The C++ standard library's headers (C++23), and the C library's as <cxxx>.
set(std_headers
  algorithm any array atomic barrier bit bitset cassert cctype cerrno cfenv cfloat charconv chrono
  cinttypes climits clocale cmath codecvt compare complex concepts condition_variable coroutine
  csetjmp csignal cstdarg cstddef cstdint cstdio cstdlib cstring ctime cuchar cwchar cwctype deque
  exception execution expected filesystem flat_map flat_set format forward_list fstream functional
  future generator initializer_list iomanip ios iosfwd iostream istream iterator latch limits list
  locale map mdspan memory memory_resource mutex new numbers numeric optional ostream print queue
  random ranges ratio regex scoped_allocator semaphore set shared_mutex source_location span
  spanstream sstream stack stacktrace stdexcept stdfloat stop_token streambuf string string_view
  syncstream system_error thread tuple type_traits typeindex typeinfo unordered_map unordered_set
  utility valarray variant vector version)

# The module of a path relative to the root ("agent/plan/x.h" -> plan, "state/x.h" -> state),
# "(root)" for files directly in agent/, "" for paths outside agent/ and state/.
function(module_of path out)
  if(path MATCHES "^agent/([^/]+)/")
    set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
  elseif(path MATCHES "^agent/[^/]+$")
    set(${out} "(root)" PARENT_SCOPE)
  elseif(path MATCHES "^state/")
    set(${out} "state" PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

# Checks the tree at `root`; sets `out` to the violations, each "file:line: message".
function(check_tree root out)
  file(GLOB_RECURSE files RELATIVE "${root}"
       "${root}/agent/*.h" "${root}/agent/*.hpp" "${root}/agent/*.cpp" "${root}/agent/*.cc"
       "${root}/state/*.h" "${root}/state/*.hpp" "${root}/state/*.cpp" "${root}/state/*.cc")
  list(SORT files)
  set(found "")
  foreach(file IN LISTS files)
    module_of("${file}" from)
    if(from STREQUAL "(root)")
      continue()
    endif()
    file(READ "${root}/${file}" text)
    # One list element a line: neutralise what CMake lists treat specially first.
    string(REPLACE "\\" "/" text "${text}")
    string(REPLACE ";" "," text "${text}")
    string(REPLACE "[" "(" text "${text}")
    string(REPLACE "]" ")" text "${text}")
    string(REPLACE "\n" ";" lines "${text}")
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR n "${n} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*([<\"])([^>\"]+)[>\"]")
        continue()
      endif()
      set(kind "${CMAKE_MATCH_1}")
      set(header "${CMAKE_MATCH_2}")
      set(where "${file}:${n}")
      if(kind STREQUAL "<")
        if(DEFINED allowed_${from})
          list(FIND std_headers "${header}" i)
          if(i EQUAL -1)
            list(APPEND found "${where}: includes <${header}>: agent/${from} may include only standard-library headers")
          endif()
        endif()
        continue()
      endif()
      module_of("${header}" to)
      if(to STREQUAL "")
        if(DEFINED allowed_${from})
          string(REPLACE ";" ", " allowed "${allowed_${from}}")
          list(APPEND found "${where}: includes \"${header}\": agent/${from} may include only ${allowed} and the standard library")
        endif()
        continue()
      endif()
      if(NOT DEFINED tier_${from})
        list(APPEND found "${where}: includes \"${header}\": module ${from} has no tier (add it to tests/layering/check_includes.cmake)")
        continue()
      endif()
      if(to STREQUAL "(root)" OR NOT DEFINED tier_${to})
        list(APPEND found "${where}: includes \"${header}\": ${to} is no module with a tier")
        continue()
      endif()
      if(tier_${to} GREATER tier_${from})
        list(APPEND found "${where}: includes \"${header}\": ${from} (tier ${tier_${from}}) may not include ${to} (tier ${tier_${to}}, above it)")
        continue()
      endif()
      if(DEFINED allowed_${from})
        list(FIND allowed_${from} "${to}" i)
        if(i EQUAL -1)
          string(REPLACE ";" ", " allowed "${allowed_${from}}")
          list(APPEND found "${where}: includes \"${header}\": agent/${from} may include only ${allowed} and the standard library")
        endif()
      endif()
    endforeach()
  endforeach()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

# "file:line" of each violation.
function(locations violations out)
  set(locs "")
  foreach(v IN LISTS violations)
    string(REGEX MATCH "^[^:]+:[0-9]+" loc "${v}")
    list(APPEND locs "${loc}")
  endforeach()
  set(${out} "${locs}" PARENT_SCOPE)
endfunction()

if(SELF_TEST)
  if(NOT WORK)
    message(FATAL_ERROR "SELF_TEST needs -DWORK=<scratch dir>")
  endif()
  file(REMOVE_RECURSE "${WORK}")
  # Each fixture line ends with "// bad" when the check must report it.
  set(fixture
    "agent/model/user.h|#include <string>|#include <optional>|#include \"agent/base/result.h\"|#include \"agent/model/policy.h\"|#include \"agent/codec/json.h\"  // bad|#include <Poco/JSON/Object.h>  // bad|// #include \"agent/cli/cli.h\" in a comment is no include"
    "agent/model/policy.h|#include <yaml-cpp/yaml.h>  // bad|#include \"tests/fakes/clock.h\"  // bad"
    "agent/plan/planner.cpp|#include \"agent/plan/planner.h\"|#include \"agent/model/user.h\"|#include \"agent/report/text.h\"  // bad|#include \"state/state_store.h\"  // bad|#include \"agent/log/log.h\"  // bad"
    "agent/plan/render.cpp|  #  include <sqlite3.h>  // bad|#include <vector>"
    "agent/base/clock.h|#include <chrono>|#include <unistd.h>  // bad|#include \"agent/base/result.h\"|#include \"agent/model/user.h\"  // bad"
    "agent/apply/applier.cpp|#include \"agent/plan/planner.h\"|#include \"state/state_store.h\"|#include <Poco/Net/HTTPClientSession.h>|#include \"agent/cli/options.h\"  // bad|#include \"agent/apply/applier.h\""
    "agent/reconcile/reconciler.cpp|#include \"agent/apply/applier.h\"|#include \"agent/live/live_reader.h\"|#include \"agent/report/text.h\"|#include \"agent/cli/cli.h\"  // bad"
    "agent/sources/hr_csv.cpp|#include \"agent/desired/desired_loader.h\"|#include \"agent/reconcile/reconciler.h\"  // bad"
    "agent/serve/server.cpp|#include \"agent/metrics/metrics.h\"|#include \"agent/reconcile/reconciler.h\"  // bad|#include \"agent/live/live_reader.h\""
    "agent/report/text.cpp|#include \"state/state_store.h\"|#include \"agent/plan/plan.h\"|#include \"agent/serve/server.h\""
    "agent/cli/main.cpp|#include \"agent/reconcile/reconciler.h\"|#include \"agent/serve/server.h\"|#include <Poco/Util/Application.h>"
    "agent/gadgets/gadget.cpp|#include \"agent/base/result.h\"  // bad"
    "agent/log/log.cpp|#include \"agent/gadgets/gadget.h\"  // bad|#include \"agent/base/json.h\""
    "agent/main.cpp|#include \"agent/cli/cli.h\""
    "state/state_store.cpp|#include \"agent/base/result.h\"|#include <sqlite3.h>|#include \"agent/apply/applier.h\"  // bad|#include \"state/sqlite_db.h\""
    "tests/unit/whatever_test.cpp|#include \"agent/cli/cli.h\"")
  set(expected "")
  foreach(entry IN LISTS fixture)
    string(REPLACE "|" ";" parts "${entry}")
    list(POP_FRONT parts path)
    set(body "")
    set(n 0)
    foreach(line IN LISTS parts)
      math(EXPR n "${n} + 1")
      string(APPEND body "${line}\n")
      if(line MATCHES "// bad$")
        list(APPEND expected "${path}:${n}")
      endif()
    endforeach()
    file(WRITE "${WORK}/${path}" "${body}")
  endforeach()
  check_tree("${WORK}" violations)
  locations("${violations}" got)
  list(SORT expected)
  list(SORT got)
  if(NOT got STREQUAL expected)
    string(REPLACE ";" "\n  " v "${violations}")
    string(REPLACE ";" " " e "${expected}")
    message(FATAL_ERROR "self-test: the check reported\n  ${v}\nbut the fixture's bad lines are: ${e}")
  endif()
  list(LENGTH got count)
  string(REPLACE ";" "\n  " v "${violations}")
  message(STATUS "self-test: all ${count} bad includes of the fixture reported, nothing else:\n  ${v}")
  return()
endif()

if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source dir> -P check_includes.cmake")
endif()
check_tree("${ROOT}" violations)

if(violations)
  string(REPLACE ";" "\n  " v "${violations}")
  message(FATAL_ERROR "includes against the layering (tests/layering/check_includes.cmake):\n  ${v}\n")
endif()
message(STATUS "layering: every #include of agent/ and state/ keeps to the tiers")
