# Golden tests: one CTest test per line of tests/golden/TESTLIST.
file(STRINGS ${CMAKE_SOURCE_DIR}/tests/golden/TESTLIST zs_golden_lines REGEX "^[a-z0-9]")
foreach(line ${zs_golden_lines})
  string(REGEX MATCH "^[^ \t]+" name "${line}")
  add_test(NAME golden.${name}
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/golden.sh $<TARGET_FILE:zertsensor>
                   ${CMAKE_SOURCE_DIR} ${ZS_CORPUS} ${name})
endforeach()
# Golden tests of the product outputs: one CTest test per line of tests/golden/RECORDS.
file(STRINGS ${CMAKE_SOURCE_DIR}/tests/golden/RECORDS zs_records_lines REGEX "^[a-z0-9]")
foreach(line ${zs_records_lines})
  string(REGEX MATCH "^[^ \t]+" name "${line}")
  add_test(NAME golden.records.${name}
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/golden_records.sh $<TARGET_FILE:zertsensor>
                   $<TARGET_FILE:zertdump> ${CMAKE_SOURCE_DIR} ${ZS_CORPUS} ${name})
endforeach()
