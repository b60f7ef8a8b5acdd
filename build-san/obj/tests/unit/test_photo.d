build-san/obj/tests/unit/test_photo.o: tests/unit/test_photo.c \
 include/retour/photo.h
include/retour/photo.h:
