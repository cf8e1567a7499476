# compare_mainframe.cmake - zertsensor --compare against mainframe dumps with planted differences
# (tests/tools/compare_mainframe.py; smfedit.py edits the SMF records at the spec's offsets).
foreach(case self planted codes damaged files align blindspots)
  add_test(NAME compare.mainframe_${case}
           COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/compare_mainframe.py
                   $<TARGET_FILE:zertsensor> $<TARGET_FILE:zertdump> ${CMAKE_SOURCE_DIR}
                   ${ZS_CORPUS} ${CMAKE_CURRENT_BINARY_DIR}/compare-mainframe/${case} ${case})
  set_tests_properties(compare.mainframe_${case} PROPERTIES TIMEOUT 600)
endforeach()
add_test(NAME compare.corpus_self
         COMMAND python3 ${CMAKE_SOURCE_DIR}/tests/tools/compare_corpus.py
                 $<TARGET_FILE:zertsensor> ${ZS_CORPUS}
                 ${CMAKE_CURRENT_BINARY_DIR}/compare-corpus)
set_tests_properties(compare.corpus_self PROPERTIES TIMEOUT 900)
