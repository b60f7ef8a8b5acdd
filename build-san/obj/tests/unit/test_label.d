build-san/obj/tests/unit/test_label.o: tests/unit/test_label.c \
 include/retour/label.h
include/retour/label.h:
