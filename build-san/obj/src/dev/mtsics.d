build-san/obj/src/dev/mtsics.o: src/dev/mtsics.c include/retour/mtsics.h \
 include/retour/scale.h
include/retour/mtsics.h:
include/retour/scale.h:
