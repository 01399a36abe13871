#!/bin/sh
echo "layer-download: model $(wc -c < /opt/tool/share/model.bin) bytes; /tmp holds $(ls /tmp | wc -l) files"
