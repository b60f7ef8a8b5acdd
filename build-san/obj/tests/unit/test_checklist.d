build-san/obj/tests/unit/test_checklist.o: tests/unit/test_checklist.c \
 include/retour/checklist.h include/retour/returns.h
include/retour/checklist.h:
include/retour/returns.h:
