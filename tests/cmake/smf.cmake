# smf.cmake - zertdump on dump files written by test_smf: RDW and VBS read the same, bad input fails;
# and on damaged files built from the sensor's own output (zertdump_damage.py).
# Included by tests/CMakeLists.txt to add the tests; run with `cmake -P` it is the test driver.

if(NOT CMAKE_SCRIPT_MODE_FILE)
  if(NOT TARGET zertdump OR NOT TARGET test_smf)
    return()
  endif()
  set(_smf_dir ${CMAKE_CURRENT_BINARY_DIR}/smf-fixtures)
  add_test(NAME smf.fixtures
           COMMAND ${CMAKE_COMMAND} -E make_directory ${_smf_dir})
  add_test(NAME smf.fixtures_write COMMAND test_smf --write-fixtures ${_smf_dir})
  set_tests_properties(smf.fixtures PROPERTIES FIXTURES_SETUP smf_dir)
  set_tests_properties(smf.fixtures_write PROPERTIES FIXTURES_SETUP smf_files
                       FIXTURES_REQUIRED smf_dir)
  foreach(case rdw vbs spanned truncated text garbage)
    add_test(NAME smf.zertdump_${case}
             COMMAND ${CMAKE_COMMAND} -DZERTDUMP=$<TARGET_FILE:zertdump> -DDIR=${_smf_dir}
                     -DCASE=${case} -P ${CMAKE_CURRENT_LIST_FILE})
    set_tests_properties(smf.zertdump_${case} PROPERTIES FIXTURES_REQUIRED smf_files)
  endforeach()
  # damaged and unusual input built from the sensor's own zert.smf (tests/tools/zertdump_damage.py)
  foreach(case vbs_damaged_start vbs_extended_bdw directory write_error)
    add_test(NAME smf.zertdump_${case}
             COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/zertdump_damage.py
                     $<TARGET_FILE:zertsensor> $<TARGET_FILE:zertdump> ${CMAKE_SOURCE_DIR} ${case})
  endforeach()
  return()
endif()

# ---- driver: cmake -DZERTDUMP=... -DDIR=... -DCASE=... -P smf.cmake ----
file(READ ${DIR}/zert.jsonl expected)

function(run_zertdump)
  execute_process(COMMAND ${ZERTDUMP} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

if(CASE STREQUAL "rdw" OR CASE STREQUAL "vbs" OR CASE STREQUAL "spanned")
  set(file zert.rdw)
  if(CASE STREQUAL "vbs")
    set(file zert.vbs)
  elseif(CASE STREQUAL "spanned")
    set(file zert-spanned.vbs)
  endif()
  run_zertdump(-s ${DIR}/${file})
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "zertdump ${file}: exit ${rc}: ${err}")
  endif()
  if(NOT out STREQUAL expected)
    message(FATAL_ERROR "zertdump ${file}: output differs from zert.jsonl:\n${out}")
  endif()
  if(NOT err MATCHES "9 records: 5 detail, 2 summary, 1 other types skipped, 1 other 119")
    message(FATAL_ERROR "zertdump -s ${file}: counts: ${err}")
  endif()
elseif(CASE STREQUAL "truncated")
  run_zertdump(${DIR}/zert-truncated.rdw)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "truncated input: exit ${rc}, want 1")
  endif()
  string(REGEX MATCH "^[^\n]*\n[^\n]*\n" first2 "${expected}")
  if(NOT out STREQUAL first2)
    message(FATAL_ERROR "truncated input: want the 2 records before the cut, got:\n${out}")
  endif()
  if(NOT err MATCHES "zertdump: offset [0-9]+: record of [0-9]+ bytes is truncated")
    message(FATAL_ERROR "truncated input: message: ${err}")
  endif()
elseif(CASE STREQUAL "text")
  run_zertdump(-t ${DIR}/zert-spanned.vbs)
  if(NOT rc EQUAL 0 OR NOT out MATCHES "SMF 119.11 zERT detail at offset 4: init"
     OR NOT out MATCHES "SMF 119.12 zERT summary")
    message(FATAL_ERROR "zertdump -t: exit ${rc}:\n${out}${err}")
  endif()
elseif(CASE STREQUAL "garbage")
  run_zertdump(${DIR}/zert.jsonl)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "offset 0: not an SMF dump file")
    message(FATAL_ERROR "garbage input: exit ${rc}: ${err}")
  endif()
endif()
