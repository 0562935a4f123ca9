"""Official class names and colours of three data sets, for painting label maps.

Each table is a tuple of ``(name, (r, g, b))`` indexed by the value stored in the data set's
label maps, colours in 0..255.

``CITYSCAPES`` (35 entries, label ids 0..34, ``label_nc=35``): names and colours of ids 0..33 in
id order from ``labels`` in ``cityscapesscripts/helpers/labels.py`` of cityscapesScripts
(https://github.com/mcordts/cityscapesScripts, also the ``cityscapesscripts`` package on PyPI),
then index 34 = 'license plate', which has id -1 there. The official table repeats colours: black
for ids 0..4, (153, 153, 153) for 'pole' and 'polegroup', (0, 0, 142) for 'car' and
'license plate'; they are kept as they are.

``ADE20K`` (151 entries, label values 0..150 of SceneParsing's ``ADEChallengeData2016``):
0 = 'other' in black, then classes 1..150 named by the first name of each row of
``objectInfo150.txt`` (https://github.com/CSAILVision/sceneparsing), coloured by the official colour
map ``color150.mat`` (``data/color150.mat`` of https://github.com/CSAILVision/semantic-segmentation-pytorch,
``visualizationCode/color150.mat`` of sceneparsing), here as copied in ``ADE20KDataset``'s palette
of ``mmseg/datasets/ade.py`` (https://github.com/open-mmlab/mmsegmentation). The official colour
map repeats (140, 140, 140), for 'road' and 'skyscraper'; it is kept.

``COCO_STUFF`` (182 entries, label values 0..181 of the ``stuffthingmaps`` PNGs; value v is COCO
category id v + 1, 255 is 'unlabeled' and has no entry): names of ids 1..182 from ``labels.txt``
(and ``labels.md``) of https://github.com/nightrome/cocostuff, including the 11 thing ids COCO
never used. Stuff ids 92..182 take the official colour map ``getCMap()`` of
``PythonAPI/pycocotools/cocostuffhelper.py`` of https://github.com/nightrome/cocostuffapi
(matplotlib's 'jet' resampled to 91 levels, value scaled by 0.7 in HSV, permuted by
``np.random.seed(42)``), computed below without matplotlib: ``_JET`` is matplotlib's ``_jet_data``
(``lib/matplotlib/_cm.py``) and ``_lookup_table`` its ``colors._create_lookup_table`` with gamma 1.
The official map gives every thing class black, so thing ids 1..91 take the colours of COCO
panoptic's ``panoptic_coco_categories.json`` (https://github.com/cocodataset/panopticapi) where the
id is listed there; the unused ids get greys chosen here (``_UNUSED_THING_COLORS``).
Floats become 0..255 integers by rounding half to even (``np.rint``): 0.7 * 255 = 178.5 becomes
178. (The official ``cocoSegmentationToPng`` truncates instead, which gives one less in some
channels of 46 of the 91 stuff colours.) The official map repeats one colour, (0, 0, 178) for
'cardboard' (id 100) and 'floor-tile' (id 117): two levels of the 91 both fall on jet's pure blue
(0, 0, 1); it is kept.
"""

import numpy as np

Palette = tuple[tuple[str, tuple[int, int, int]], ...]

CITYSCAPES: Palette = (
    ("unlabeled", (0, 0, 0)),  # id 0
    ("ego vehicle", (0, 0, 0)),  # id 1
    ("rectification border", (0, 0, 0)),  # id 2
    ("out of roi", (0, 0, 0)),  # id 3
    ("static", (0, 0, 0)),  # id 4
    ("dynamic", (111, 74, 0)),  # id 5
    ("ground", (81, 0, 81)),  # id 6
    ("road", (128, 64, 128)),  # id 7
    ("sidewalk", (244, 35, 232)),  # id 8
    ("parking", (250, 170, 160)),  # id 9
    ("rail track", (230, 150, 140)),  # id 10
    ("building", (70, 70, 70)),  # id 11
    ("wall", (102, 102, 156)),  # id 12
    ("fence", (190, 153, 153)),  # id 13
    ("guard rail", (180, 165, 180)),  # id 14
    ("bridge", (150, 100, 100)),  # id 15
    ("tunnel", (150, 120, 90)),  # id 16
    ("pole", (153, 153, 153)),  # id 17
    ("polegroup", (153, 153, 153)),  # id 18
    ("traffic light", (250, 170, 30)),  # id 19
    ("traffic sign", (220, 220, 0)),  # id 20
    ("vegetation", (107, 142, 35)),  # id 21
    ("terrain", (152, 251, 152)),  # id 22
    ("sky", (70, 130, 180)),  # id 23
    ("person", (220, 20, 60)),  # id 24
    ("rider", (255, 0, 0)),  # id 25
    ("car", (0, 0, 142)),  # id 26
    ("truck", (0, 0, 70)),  # id 27
    ("bus", (0, 60, 100)),  # id 28
    ("caravan", (0, 0, 90)),  # id 29
    ("trailer", (0, 0, 110)),  # id 30
    ("train", (0, 80, 100)),  # id 31
    ("motorcycle", (0, 0, 230)),  # id 32
    ("bicycle", (119, 11, 32)),  # id 33
    ("license plate", (0, 0, 142)),  # index 34; id -1 in labels.py
)

ADE20K: Palette = (
    ("other", (0, 0, 0)),  # 0
    ("wall", (120, 120, 120)),  # 1
    ("building", (180, 120, 120)),  # 2
    ("sky", (6, 230, 230)),  # 3
    ("floor", (80, 50, 50)),  # 4
    ("tree", (4, 200, 3)),  # 5
    ("ceiling", (120, 120, 80)),  # 6
    ("road", (140, 140, 140)),  # 7
    ("bed", (204, 5, 255)),  # 8
    ("windowpane", (230, 230, 230)),  # 9
    ("grass", (4, 250, 7)),  # 10
    ("cabinet", (224, 5, 255)),  # 11
    ("sidewalk", (235, 255, 7)),  # 12
    ("person", (150, 5, 61)),  # 13
    ("earth", (120, 120, 70)),  # 14
    ("door", (8, 255, 51)),  # 15
    ("table", (255, 6, 82)),  # 16
    ("mountain", (143, 255, 140)),  # 17
    ("plant", (204, 255, 4)),  # 18
    ("curtain", (255, 51, 7)),  # 19
    ("chair", (204, 70, 3)),  # 20
    ("car", (0, 102, 200)),  # 21
    ("water", (61, 230, 250)),  # 22
    ("painting", (255, 6, 51)),  # 23
    ("sofa", (11, 102, 255)),  # 24
    ("shelf", (255, 7, 71)),  # 25
    ("house", (255, 9, 224)),  # 26
    ("sea", (9, 7, 230)),  # 27
    ("mirror", (220, 220, 220)),  # 28
    ("rug", (255, 9, 92)),  # 29
    ("field", (112, 9, 255)),  # 30
    ("armchair", (8, 255, 214)),  # 31
    ("seat", (7, 255, 224)),  # 32
    ("fence", (255, 184, 6)),  # 33
    ("desk", (10, 255, 71)),  # 34
    ("rock", (255, 41, 10)),  # 35
    ("wardrobe", (7, 255, 255)),  # 36
    ("lamp", (224, 255, 8)),  # 37
    ("bathtub", (102, 8, 255)),  # 38
    ("railing", (255, 61, 6)),  # 39
    ("cushion", (255, 194, 7)),  # 40
    ("base", (255, 122, 8)),  # 41
    ("box", (0, 255, 20)),  # 42
    ("column", (255, 8, 41)),  # 43
    ("signboard", (255, 5, 153)),  # 44
    ("chest of drawers", (6, 51, 255)),  # 45
    ("counter", (235, 12, 255)),  # 46
    ("sand", (160, 150, 20)),  # 47
    ("sink", (0, 163, 255)),  # 48
    ("skyscraper", (140, 140, 140)),  # 49
    ("fireplace", (250, 10, 15)),  # 50
    ("refrigerator", (20, 255, 0)),  # 51
    ("grandstand", (31, 255, 0)),  # 52
    ("path", (255, 31, 0)),  # 53
    ("stairs", (255, 224, 0)),  # 54
    ("runway", (153, 255, 0)),  # 55
    ("case", (0, 0, 255)),  # 56
    ("pool table", (255, 71, 0)),  # 57
    ("pillow", (0, 235, 255)),  # 58
    ("screen door", (0, 173, 255)),  # 59
    ("stairway", (31, 0, 255)),  # 60
    ("river", (11, 200, 200)),  # 61
    ("bridge", (255, 82, 0)),  # 62
    ("bookcase", (0, 255, 245)),  # 63
    ("blind", (0, 61, 255)),  # 64
    ("coffee table", (0, 255, 112)),  # 65
    ("toilet", (0, 255, 133)),  # 66
    ("flower", (255, 0, 0)),  # 67
    ("book", (255, 163, 0)),  # 68
    ("hill", (255, 102, 0)),  # 69
    ("bench", (194, 255, 0)),  # 70
    ("countertop", (0, 143, 255)),  # 71
    ("stove", (51, 255, 0)),  # 72
    ("palm", (0, 82, 255)),  # 73
    ("kitchen island", (0, 255, 41)),  # 74
    ("computer", (0, 255, 173)),  # 75
    ("swivel chair", (10, 0, 255)),  # 76
    ("boat", (173, 255, 0)),  # 77
    ("bar", (0, 255, 153)),  # 78
    ("arcade machine", (255, 92, 0)),  # 79
    ("hovel", (255, 0, 255)),  # 80
    ("bus", (255, 0, 245)),  # 81
    ("towel", (255, 0, 102)),  # 82
    ("light", (255, 173, 0)),  # 83
    ("truck", (255, 0, 20)),  # 84
    ("tower", (255, 184, 184)),  # 85
    ("chandelier", (0, 31, 255)),  # 86
    ("awning", (0, 255, 61)),  # 87
    ("streetlight", (0, 71, 255)),  # 88
    ("booth", (255, 0, 204)),  # 89
    ("television", (0, 255, 194)),  # 90
    ("airplane", (0, 255, 82)),  # 91
    ("dirt track", (0, 10, 255)),  # 92
    ("apparel", (0, 112, 255)),  # 93
    ("pole", (51, 0, 255)),  # 94
    ("land", (0, 194, 255)),  # 95
    ("bannister", (0, 122, 255)),  # 96
    ("escalator", (0, 255, 163)),  # 97
    ("ottoman", (255, 153, 0)),  # 98
    ("bottle", (0, 255, 10)),  # 99
    ("buffet", (255, 112, 0)),  # 100
    ("poster", (143, 255, 0)),  # 101
    ("stage", (82, 0, 255)),  # 102
    ("van", (163, 255, 0)),  # 103
    ("ship", (255, 235, 0)),  # 104
    ("fountain", (8, 184, 170)),  # 105
    ("conveyer belt", (133, 0, 255)),  # 106
    ("canopy", (0, 255, 92)),  # 107
    ("washer", (184, 0, 255)),  # 108
    ("plaything", (255, 0, 31)),  # 109
    ("swimming pool", (0, 184, 255)),  # 110
    ("stool", (0, 214, 255)),  # 111
    ("barrel", (255, 0, 112)),  # 112
    ("basket", (92, 255, 0)),  # 113
    ("waterfall", (0, 224, 255)),  # 114
    ("tent", (112, 224, 255)),  # 115
    ("bag", (70, 184, 160)),  # 116
    ("minibike", (163, 0, 255)),  # 117
    ("cradle", (153, 0, 255)),  # 118
    ("oven", (71, 255, 0)),  # 119
    ("ball", (255, 0, 163)),  # 120
    ("food", (255, 204, 0)),  # 121
    ("step", (255, 0, 143)),  # 122
    ("tank", (0, 255, 235)),  # 123
    ("trade name", (133, 255, 0)),  # 124
    ("microwave", (255, 0, 235)),  # 125
    ("pot", (245, 0, 255)),  # 126
    ("animal", (255, 0, 122)),  # 127
    ("bicycle", (255, 245, 0)),  # 128
    ("lake", (10, 190, 212)),  # 129
    ("dishwasher", (214, 255, 0)),  # 130
    ("screen", (0, 204, 255)),  # 131
    ("blanket", (20, 0, 255)),  # 132
    ("sculpture", (255, 255, 0)),  # 133
    ("hood", (0, 153, 255)),  # 134
    ("sconce", (0, 41, 255)),  # 135
    ("vase", (0, 255, 204)),  # 136
    ("traffic light", (41, 0, 255)),  # 137
    ("tray", (41, 255, 0)),  # 138
    ("ashcan", (173, 0, 255)),  # 139
    ("fan", (0, 245, 255)),  # 140
    ("pier", (71, 0, 255)),  # 141
    ("crt screen", (122, 0, 255)),  # 142
    ("plate", (0, 255, 184)),  # 143
    ("monitor", (0, 92, 255)),  # 144
    ("bulletin board", (184, 255, 0)),  # 145
    ("shower", (0, 133, 255)),  # 146
    ("radiator", (255, 214, 0)),  # 147
    ("glass", (25, 194, 194)),  # 148
    ("clock", (102, 255, 0)),  # 149
    ("flag", (92, 0, 255)),  # 150
)

_COCO_STUFF_NAMES: tuple[str, ...] = (
    "person",  # id 1, value 0
    "bicycle",  # id 2, value 1
    "car",  # id 3, value 2
    "motorcycle",  # id 4, value 3
    "airplane",  # id 5, value 4
    "bus",  # id 6, value 5
    "train",  # id 7, value 6
    "truck",  # id 8, value 7
    "boat",  # id 9, value 8
    "traffic light",  # id 10, value 9
    "fire hydrant",  # id 11, value 10
    "street sign",  # id 12, value 11
    "stop sign",  # id 13, value 12
    "parking meter",  # id 14, value 13
    "bench",  # id 15, value 14
    "bird",  # id 16, value 15
    "cat",  # id 17, value 16
    "dog",  # id 18, value 17
    "horse",  # id 19, value 18
    "sheep",  # id 20, value 19
    "cow",  # id 21, value 20
    "elephant",  # id 22, value 21
    "bear",  # id 23, value 22
    "zebra",  # id 24, value 23
    "giraffe",  # id 25, value 24
    "hat",  # id 26, value 25
    "backpack",  # id 27, value 26
    "umbrella",  # id 28, value 27
    "shoe",  # id 29, value 28
    "eye glasses",  # id 30, value 29
    "handbag",  # id 31, value 30
    "tie",  # id 32, value 31
    "suitcase",  # id 33, value 32
    "frisbee",  # id 34, value 33
    "skis",  # id 35, value 34
    "snowboard",  # id 36, value 35
    "sports ball",  # id 37, value 36
    "kite",  # id 38, value 37
    "baseball bat",  # id 39, value 38
    "baseball glove",  # id 40, value 39
    "skateboard",  # id 41, value 40
    "surfboard",  # id 42, value 41
    "tennis racket",  # id 43, value 42
    "bottle",  # id 44, value 43
    "plate",  # id 45, value 44
    "wine glass",  # id 46, value 45
    "cup",  # id 47, value 46
    "fork",  # id 48, value 47
    "knife",  # id 49, value 48
    "spoon",  # id 50, value 49
    "bowl",  # id 51, value 50
    "banana",  # id 52, value 51
    "apple",  # id 53, value 52
    "sandwich",  # id 54, value 53
    "orange",  # id 55, value 54
    "broccoli",  # id 56, value 55
    "carrot",  # id 57, value 56
    "hot dog",  # id 58, value 57
    "pizza",  # id 59, value 58
    "donut",  # id 60, value 59
    "cake",  # id 61, value 60
    "chair",  # id 62, value 61
    "couch",  # id 63, value 62
    "potted plant",  # id 64, value 63
    "bed",  # id 65, value 64
    "mirror",  # id 66, value 65
    "dining table",  # id 67, value 66
    "window",  # id 68, value 67
    "desk",  # id 69, value 68
    "toilet",  # id 70, value 69
    "door",  # id 71, value 70
    "tv",  # id 72, value 71
    "laptop",  # id 73, value 72
    "mouse",  # id 74, value 73
    "remote",  # id 75, value 74
    "keyboard",  # id 76, value 75
    "cell phone",  # id 77, value 76
    "microwave",  # id 78, value 77
    "oven",  # id 79, value 78
    "toaster",  # id 80, value 79
    "sink",  # id 81, value 80
    "refrigerator",  # id 82, value 81
    "blender",  # id 83, value 82
    "book",  # id 84, value 83
    "clock",  # id 85, value 84
    "vase",  # id 86, value 85
    "scissors",  # id 87, value 86
    "teddy bear",  # id 88, value 87
    "hair drier",  # id 89, value 88
    "toothbrush",  # id 90, value 89
    "hair brush",  # id 91, value 90
    "banner",  # id 92, value 91
    "blanket",  # id 93, value 92
    "branch",  # id 94, value 93
    "bridge",  # id 95, value 94
    "building-other",  # id 96, value 95
    "bush",  # id 97, value 96
    "cabinet",  # id 98, value 97
    "cage",  # id 99, value 98
    "cardboard",  # id 100, value 99
    "carpet",  # id 101, value 100
    "ceiling-other",  # id 102, value 101
    "ceiling-tile",  # id 103, value 102
    "cloth",  # id 104, value 103
    "clothes",  # id 105, value 104
    "clouds",  # id 106, value 105
    "counter",  # id 107, value 106
    "cupboard",  # id 108, value 107
    "curtain",  # id 109, value 108
    "desk-stuff",  # id 110, value 109
    "dirt",  # id 111, value 110
    "door-stuff",  # id 112, value 111
    "fence",  # id 113, value 112
    "floor-marble",  # id 114, value 113
    "floor-other",  # id 115, value 114
    "floor-stone",  # id 116, value 115
    "floor-tile",  # id 117, value 116
    "floor-wood",  # id 118, value 117
    "flower",  # id 119, value 118
    "fog",  # id 120, value 119
    "food-other",  # id 121, value 120
    "fruit",  # id 122, value 121
    "furniture-other",  # id 123, value 122
    "grass",  # id 124, value 123
    "gravel",  # id 125, value 124
    "ground-other",  # id 126, value 125
    "hill",  # id 127, value 126
    "house",  # id 128, value 127
    "leaves",  # id 129, value 128
    "light",  # id 130, value 129
    "mat",  # id 131, value 130
    "metal",  # id 132, value 131
    "mirror-stuff",  # id 133, value 132
    "moss",  # id 134, value 133
    "mountain",  # id 135, value 134
    "mud",  # id 136, value 135
    "napkin",  # id 137, value 136
    "net",  # id 138, value 137
    "paper",  # id 139, value 138
    "pavement",  # id 140, value 139
    "pillow",  # id 141, value 140
    "plant-other",  # id 142, value 141
    "plastic",  # id 143, value 142
    "platform",  # id 144, value 143
    "playingfield",  # id 145, value 144
    "railing",  # id 146, value 145
    "railroad",  # id 147, value 146
    "river",  # id 148, value 147
    "road",  # id 149, value 148
    "rock",  # id 150, value 149
    "roof",  # id 151, value 150
    "rug",  # id 152, value 151
    "salad",  # id 153, value 152
    "sand",  # id 154, value 153
    "sea",  # id 155, value 154
    "shelf",  # id 156, value 155
    "sky-other",  # id 157, value 156
    "skyscraper",  # id 158, value 157
    "snow",  # id 159, value 158
    "solid-other",  # id 160, value 159
    "stairs",  # id 161, value 160
    "stone",  # id 162, value 161
    "straw",  # id 163, value 162
    "structural-other",  # id 164, value 163
    "table",  # id 165, value 164
    "tent",  # id 166, value 165
    "textile-other",  # id 167, value 166
    "towel",  # id 168, value 167
    "tree",  # id 169, value 168
    "vegetable",  # id 170, value 169
    "wall-brick",  # id 171, value 170
    "wall-concrete",  # id 172, value 171
    "wall-other",  # id 173, value 172
    "wall-panel",  # id 174, value 173
    "wall-stone",  # id 175, value 174
    "wall-tile",  # id 176, value 175
    "wall-wood",  # id 177, value 176
    "water-other",  # id 178, value 177
    "waterdrops",  # id 179, value 178
    "window-blind",  # id 180, value 179
    "window-other",  # id 181, value 180
    "wood",  # id 182, value 181
)

_PANOPTIC_THING_COLORS: dict[int, tuple[int, int, int]] = {
    1: (220, 20, 60),  # person
    2: (119, 11, 32),  # bicycle
    3: (0, 0, 142),  # car
    4: (0, 0, 230),  # motorcycle
    5: (106, 0, 228),  # airplane
    6: (0, 60, 100),  # bus
    7: (0, 80, 100),  # train
    8: (0, 0, 70),  # truck
    9: (0, 0, 192),  # boat
    10: (250, 170, 30),  # traffic light
    11: (100, 170, 30),  # fire hydrant
    13: (220, 220, 0),  # stop sign
    14: (175, 116, 175),  # parking meter
    15: (250, 0, 30),  # bench
    16: (165, 42, 42),  # bird
    17: (255, 77, 255),  # cat
    18: (0, 226, 252),  # dog
    19: (182, 182, 255),  # horse
    20: (0, 82, 0),  # sheep
    21: (120, 166, 157),  # cow
    22: (110, 76, 0),  # elephant
    23: (174, 57, 255),  # bear
    24: (199, 100, 0),  # zebra
    25: (72, 0, 118),  # giraffe
    27: (255, 179, 240),  # backpack
    28: (0, 125, 92),  # umbrella
    31: (209, 0, 151),  # handbag
    32: (188, 208, 182),  # tie
    33: (0, 220, 176),  # suitcase
    34: (255, 99, 164),  # frisbee
    35: (92, 0, 73),  # skis
    36: (133, 129, 255),  # snowboard
    37: (78, 180, 255),  # sports ball
    38: (0, 228, 0),  # kite
    39: (174, 255, 243),  # baseball bat
    40: (45, 89, 255),  # baseball glove
    41: (134, 134, 103),  # skateboard
    42: (145, 148, 174),  # surfboard
    43: (255, 208, 186),  # tennis racket
    44: (197, 226, 255),  # bottle
    46: (171, 134, 1),  # wine glass
    47: (109, 63, 54),  # cup
    48: (207, 138, 255),  # fork
    49: (151, 0, 95),  # knife
    50: (9, 80, 61),  # spoon
    51: (84, 105, 51),  # bowl
    52: (74, 65, 105),  # banana
    53: (166, 196, 102),  # apple
    54: (208, 195, 210),  # sandwich
    55: (255, 109, 65),  # orange
    56: (0, 143, 149),  # broccoli
    57: (179, 0, 194),  # carrot
    58: (209, 99, 106),  # hot dog
    59: (5, 121, 0),  # pizza
    60: (227, 255, 205),  # donut
    61: (147, 186, 208),  # cake
    62: (153, 69, 1),  # chair
    63: (3, 95, 161),  # couch
    64: (163, 255, 0),  # potted plant
    65: (119, 0, 170),  # bed
    67: (0, 182, 199),  # dining table
    70: (0, 165, 120),  # toilet
    72: (183, 130, 88),  # tv
    73: (95, 32, 0),  # laptop
    74: (130, 114, 135),  # mouse
    75: (110, 129, 133),  # remote
    76: (166, 74, 118),  # keyboard
    77: (219, 142, 185),  # cell phone
    78: (79, 210, 114),  # microwave
    79: (178, 90, 62),  # oven
    80: (65, 70, 15),  # toaster
    81: (127, 167, 115),  # sink
    82: (59, 105, 106),  # refrigerator
    84: (142, 108, 45),  # book
    85: (196, 172, 0),  # clock
    86: (95, 54, 80),  # vase
    87: (128, 76, 255),  # scissors
    88: (201, 57, 1),  # teddy bear
    89: (246, 0, 122),  # hair drier
    90: (191, 162, 208),  # toothbrush
}

# Thing ids that COCO never annotated and panopticapi does not list: greys chosen here, distinct from
# every other colour of COCO_STUFF (not from any official table).
_UNUSED_THING_COLORS: dict[int, tuple[int, int, int]] = {
    12: (40, 40, 40),  # street sign
    26: (60, 60, 60),  # hat
    29: (80, 80, 80),  # shoe
    30: (100, 100, 100),  # eye glasses
    45: (120, 120, 120),  # plate
    66: (140, 140, 140),  # mirror
    68: (160, 160, 160),  # window
    69: (180, 180, 180),  # desk
    71: (200, 200, 200),  # door
    83: (220, 220, 220),  # blender
    91: (240, 240, 240),  # hair brush
}

# matplotlib's _jet_data: for each channel, (x, y below x, y above x).
_JET: dict[str, tuple[tuple[float, float, float], ...]] = {
    "red": ((0.0, 0, 0), (0.35, 0, 0), (0.66, 1, 1), (0.89, 1, 1), (1.0, 0.5, 0.5)),
    "green": ((0.0, 0, 0), (0.125, 0, 0), (0.375, 1, 1), (0.64, 1, 1), (0.91, 0, 0), (1.0, 0, 0)),
    "blue": ((0.0, 0.5, 0.5), (0.11, 1, 1), (0.34, 1, 1), (0.65, 0, 0), (1.0, 0, 0)),
}


def _lookup_table(n: int, segments: tuple[tuple[float, float, float], ...]) -> np.ndarray:
    """matplotlib.colors._create_lookup_table(n, segments, gamma=1.0): one channel at n levels."""
    data = np.array(segments, dtype=float)
    x, y0, y1 = data[:, 0] * (n - 1), data[:, 1], data[:, 2]
    xind = (n - 1) * np.linspace(0, 1, n)
    ind = np.searchsorted(x, xind)[1:-1]
    distance = (xind[1:-1] - x[ind - 1]) / (x[ind] - x[ind - 1])
    lut = np.concatenate([[y1[0]], distance * (y0[ind] - y1[ind - 1]) + y1[ind - 1], [y0[-1]]])
    return np.clip(lut, 0.0, 1.0)


def _stuff_colors(stuff_start_id: int = 92, stuff_end_id: int = 182) -> list[tuple[int, int, int]]:
    """The stuff rows of cocostuffapi's getCMap(), in 0..255, for ids stuff_start_id..stuff_end_id."""
    count = stuff_end_id - stuff_start_id + 1
    rgb = np.stack([_lookup_table(count, _JET[channel]) for channel in ("red", "green", "blue")], axis=1)
    # Scaling V by 0.7 at fixed H and S scales R, G and B by 0.7 (equal to matplotlib's
    # rgb_to_hsv / hsv_to_rgb round trip within 1e-15 here).
    rgb = rgb * 0.7
    # np.random.seed(42); np.random.permutation(count), without touching the global state.
    rgb = rgb[np.random.RandomState(42).permutation(count)]
    return [(int(r), int(g), int(b)) for r, g, b in np.rint(rgb * 255)]


def _coco_stuff() -> Palette:
    colors = dict(_PANOPTIC_THING_COLORS)
    colors.update(_UNUSED_THING_COLORS)
    colors.update(enumerate(_stuff_colors(), start=92))
    return tuple((name, colors[value + 1]) for value, name in enumerate(_COCO_STUFF_NAMES))


COCO_STUFF: Palette = _coco_stuff()
