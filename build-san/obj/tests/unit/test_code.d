build-san/obj/tests/unit/test_code.o: tests/unit/test_code.c \
 include/retour/code.h
include/retour/code.h:
