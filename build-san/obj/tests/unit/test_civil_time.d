build-san/obj/tests/unit/test_civil_time.o: tests/unit/test_civil_time.c \
 include/retour/civil_time.h
include/retour/civil_time.h:
