build-san/obj/tests/unit/test_mtsics.o: tests/unit/test_mtsics.c \
 include/retour/mtsics.h include/retour/scale.h
include/retour/mtsics.h:
include/retour/scale.h:
