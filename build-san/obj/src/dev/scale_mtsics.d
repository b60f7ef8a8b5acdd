build-san/obj/src/dev/scale_mtsics.o: src/dev/scale_mtsics.c \
 include/retour/mtsics.h include/retour/scale.h
include/retour/mtsics.h:
include/retour/scale.h:
