# report.cmake - zertdump --report (docs/report.md): the JSON reader and the policy as unit tests;
# on corpus captures the CSV against counts Python computes from records.jsonl, SMF against JSON,
# and the HTML rendered by headless Chromium.

if(NOT TARGET zertdump OR NOT TARGET zsreport)
  return()
endif()
foreach(t test_report_policy test_report_read test_report_model)
  if(TARGET ${t})
    target_link_libraries(${t} PRIVATE zsreport)
  endif()
endforeach()

# Corpus captures through the sensor, then the report (tests/tools/report_check.py):
# csv: the views equal counts computed by the script from records.jsonl;
# smf: the report from zert.smf (RDW and VBS) equals the report from records.jsonl;
# html: headless Chromium renders the tables, sorts and filters them from the URL fragment;
# output: -o is created 0640 and replaces a planted symlink; exit statuses.
foreach(mode csv smf html output)
  add_test(NAME report.${mode}
           COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/report_check.py ${mode}
                   $<TARGET_FILE:zertsensor> $<TARGET_FILE:zertdump> ${ZS_CORPUS}
                   ${CMAKE_SOURCE_DIR})
  set_tests_properties(report.${mode} PROPERTIES TIMEOUT 600)
endforeach()

# records.jsonl made now by the sensor from the golden list's captures, read back and written
# again: byte for byte (the reader keeps every key the writer writes).
if(TARGET test_report_read)
  add_test(NAME report.roundtrip
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/report_roundtrip.sh
                   $<TARGET_FILE:zertsensor> $<TARGET_FILE:test_report_read> ${CMAKE_SOURCE_DIR}
                   ${ZS_CORPUS})
  set_tests_properties(report.roundtrip PROPERTIES TIMEOUT 600)
endif()
