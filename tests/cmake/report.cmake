# report.cmake - zertdump --report (docs/report.md): the JSON reader and the policy as unit tests;
# on corpus captures the CSV against counts Python computes from records.jsonl, SMF against JSON,
# and the HTML rendered by headless Chromium.

if(NOT TARGET zertdump OR NOT TARGET zsreport)
  return()
endif()
foreach(t test_report_policy test_records_read)
  if(TARGET ${t})
    target_link_libraries(${t} PRIVATE zsreport)
  endif()
endforeach()
