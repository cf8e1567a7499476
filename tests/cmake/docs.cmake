# docs: docs.install: cmake --install into a DESTDIR installs the programs and the manual pages
# (docs/man/), which format cleanly and name every option and configuration key;
# docs.readme: README.md names nothing outside the repository (tests/tools/docs_check.sh).
find_program(ZS_GROFF groff)
if(ZS_GROFF)
  add_test(NAME docs.install
           COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/docs_check.sh install ${CMAKE_BINARY_DIR}
                   ${CMAKE_SOURCE_DIR})
endif()
add_test(NAME docs.readme COMMAND bash ${CMAKE_SOURCE_DIR}/tests/tools/docs_check.sh readme
                                  ${CMAKE_SOURCE_DIR})
