# Venuecode 命令行消息，简体中文。每条消息在 en/venuecode.ftl 中都有同名、同变量的对应消息（由测试检查）。

## 命令行的错误

label-error = 错误
error-file = { $detail }
error-render = 无法生成海报：{ $detail }
error-font-not-found = { $detail }
error-font-unusable = { $detail }
error-bad-lang = 未知语言“{ $lang }”：请使用 en 或 zh-CN。
error-bad-time = { $flag }：{ $detail }
error-no-venue = { $dir } 中没有已登记的场所：请先运行 `venuecode venue register`。
error-pledge-required = 需要承诺所填信息真实：请加上 --pledge。
error-not-checked-in = 您目前没有在任何场所登记。
error-auto-checked-out = 您目前没有在任何场所登记：自动离开已于 { $time } 结束您在{ $venue }的停留。如果您是在其他时间离开的，请用 `venuecode visitor edit { $id } --arrival TIME --departure TIME` 更正。
error-scan-input = 请给出扫描到的文本，或用 --image 指定照片。
error-no-qr-in-photo = 在 { $path } 中没有找到二维码：请靠近一些、对准焦点后重新拍照。
error-cannot-read = 无法读取 { $path }：{ $detail }
error-share-not-confirmed = 没有发送任何内容：未确认分享。
error-share-needs-terminal = 没有发送任何内容：请在终端上确认分享，或加上 --yes 发送上面列出的 { $count } 条登记记录。
error-nothing-to-share = 该时间段内没有可分享的记录。
error-nothing-to-share-hidden = 该时间段内没有可分享的记录：有 { $count } 条隐藏记录未包括在内；如需发送，请用 --include-hidden 指定。
error-share-ids = --exclude 和 --include-hidden 需要该时间段内记录的编号（见 `visitor diary --all`）
error-sync-incomplete = 同步未完成：{ $detail }
error-bad-region = 地区 { $region } 不是六位行政区划代码（例如 620105）。
error-nothing-to-update = 没有需要更新的内容：请至少给出一项不同的信息，或使用 --renew（见 --help）。
error-revoke-needs-yes = 停用会使本场所的所有海报失效；请加上 --yes 确认。
error-venue-deactivated = 本场所已停用其场所码（序号 { $serial }）：手机会拒绝它，因此不再生成新码。如需重新为访客登记，请在新的目录中重新注册。
error-venue-disabled = 登记机构已禁用本场所（序号 { $serial }）：手机会拒绝它的场所码，因此不再生成新码。请联系登记机构。
error-venue-superseded = 序号 { $serial } 已被更新的证书取代：请先恢复或更新本场所目录（`venuecode venue restore`），再生成场所码。
error-venue-revoked = 序号 { $serial } 在撤销列表上：不再生成新码。
error-counts-disabled = 服务器不统计登记人数（启动服务器时加上 --counts 可开启统计）。
error-counts-days = --days 必须在 1 到 { $max } 之间（人数只保存一个保留期）。
error-stay-range = --stay 必须在 { $min } 到 { $max } 分钟之间，而不是 { $stay }。
error-text-invisible = { $flag } 含有不可见字符、双向控制字符或其他控制字符（零宽空格或连接符、字节顺序标记、方向标记或覆盖、行分隔符等）：请重新输入。
error-text-blank = { $flag } 必须是非空文本，首尾不能有空格，也不能含控制字符。
error-text-too-long = { $flag } 有 { $bytes } 字节（UTF-8）；最多 { $max } 字节（约 { $chars } 个汉字）：请缩短。
error-key-exists = { $path } 已存在；拒绝覆盖密钥（请先把它移走）
error-no-trust = { $root } 中没有安装信任包：此目录尚不信任任何机构密钥。请用 `venuecode --home { $root } trust install 文件` 安装卫生部门发布的信任包（`authority init` 会写出 authority/trust-bundle.bin），或加上 --trust-bundle 文件（VENUECODE_TRUST_BUNDLE）。密钥从不从服务器获取。
error-registration-pending = 登记申请 { $id } 正在等待登记机构审核：批准后请运行 `venuecode venue collect` 获取证书
error-no-registration-pending = { $dir } 中没有等待审核的登记申请：请运行 `venuecode venue register`
error-sheet-missing-line = 恢复单缺少 `{ $label }:` 一行：请抄录完整的恢复单
error-sheet-bad-hex = 恢复单中的 `{ $label }` 不是 64 位十六进制数字：请检查是否有输入错误
error-sheet-bad-serial = 恢复单中的 `{ $label }` 不是数字：请检查是否有输入错误
error-sheet-wrong-key = 服务器上序号 { $serial } 的证书不属于恢复单上的场所密钥：请检查序号和密钥是否有输入错误
error-insecure-http = { $detail }（--insecure-http）
error-tan-count = --count 须在 1 到 { $most } 之间
error-tan-hours = --valid-hours 须在 1 到 { $most } 之间（数据保留期）
error-no-upload = 上传信箱中没有编号为 { $id } 的上传：请查看 `authority uploads list`。
error-bad-window = --window 的格式为 序列号,开始,结束（证书序列号和两个时间），收到的是 `{ $window }`
error-delete-needs-terminal = 未删除任何记录：请在终端上确认，或加 --yes 删除访客 { $id }。
error-demo-failed = 演示出错：{ $detail }。请连同以上输出一起报告。
error-demo-server = 演示用的服务器无法启动：{ $detail }
error-cannot-create = 无法创建 { $path }：{ $detail }
error-cannot-write = 无法写入 { $path }：{ $detail }
error-bad-bundle-url = { $flag } `{ $url }`：{ $detail }（须为 https://…；http:// 仅限 127.0.0.1、[::1] 或 localhost）
error-trust-bundle-invalid = 信任包验证失败：{ $detail }
error-not-a-trust-bundle = { $path } 不是信任包：{ $detail }
error-trust-bundle-not-update = 已拒绝该信任包（序号 { $sequence }）：它不是已安装信任包（序号 { $installed }，由登记机构密钥 { $key } 签名）的更新：{ $detail }；已安装的密钥保持不变
error-bad-hex-key = `{ $text }` 不是 64 位十六进制数字
error-bad-public-key = 公钥 { $text }：{ $detail }
error-not-an-image = 不是 PNG 或 JPEG 图像{ $more }
error-venue-home-damaged = 此场所目录中的 { $file } 已损坏{ $more }：请在新目录中用恢复单恢复场所（`venuecode venue restore`）。
error-venue-certificate-untrusted = 此场所的证书无法用已安装的信任包验证：{ $detail }
error-bad-base-url = { $detail }
error-server-certificate-invalid = 服务器返回的证书验证失败（{ $detail }）：请检查此目录信任的是否为正确的机构（`venuecode trust show`）。
error-not-confirmed = 未做任何操作：未确认。
error-needs-terminal = 未做任何操作：请在终端上确认，或加 --yes。
error-no-such-serial = 没有序列号为 { $serial } 的场所；未停用任何场所。请核对序列号。
error-venue-name-not-found = 没有名称包含“{ $name }”的现行场所；未停用任何场所。请检查拼写，或给出序列号。
error-venue-name-too-many = 名称包含“{ $name }”的场所超过 { $most } 个；未停用任何场所。请给出更完整的名称或序列号。
error-venue-name-ambiguous =
    有 { $count } 个场所的名称包含“{ $name }”；未停用任何场所。请给出要停用场所的序列号，或更完整的名称：
    { $list }

## 客户端库的错误

client-malformed-code = 这不是有效的场所码（{ $detail }）：请重新扫描场所的海报或屏幕。
client-unknown-authority = 此场所码由本应用不信任的机构签发：请不要用它登记，并告知场所。
client-forged-certificate = 此场所的证书是伪造的：请不要用它登记，并告知场所或有关机构。
client-bad-venue-signature = 此场所码的签名无效（伪造的码或被替换的种子）：请不要用它登记，并告知场所。
client-not-yet-valid = 此场所码尚未生效：请检查本设备的日期和时间是否设为自动。
client-expired = 此场所码已过期：请向场所索取当前的场所码。
client-stale-code = 此动态码已过期：请重新扫描屏幕（如果屏幕上的码是新的，说明本手机时钟有误：请把日期和时间设为自动）。
client-invalid-code-validity = 此动态码的签名时间与本手机时钟不符：请检查日期和时间是否设为自动，然后重新扫描。
client-revoked = 此场所码已被停用：请不要用它登记；请向场所索取当前的场所码。
client-superseded = 场所更新信息后已更换这张海报：请扫描它当前的海报。
client-wrong-key = 日记密钥无法打开这本日记：请使用创建它的目录。
client-corrupt = 日记已损坏或被篡改：请从备份恢复。
client-storage = 无法读写日记（{ $detail }）：请检查磁盘后重试。
client-unsupported-diary-layout = 日记文件使用本版本不再读取的旧格式：请新建日记。
client-entry-not-found = 没有这个编号的日记记录：见 `venuecode visitor diary --all`。
client-exposure-not-found = 没有这个编号的暴露提醒：见 `venuecode visitor exposures --all`。
client-not-checked-in = 这条记录不是进行中的登记（已经离开）。
client-edit-out-of-bounds = 修改超出范围（{ $detail }）：请给出允许范围内的时间。
client-guest-not-found = 访客登记簿中没有编号为 { $id } 的访客：见 `venuecode venue guestbook list`。
client-guest-checked-out = 访客 { $id } 已经离开；要更正离开时间，请用 `venuecode venue guestbook edit { $id } --departure … --name … --phone …`。
client-guest-identity-not-kept = 访客 { $id } 已离开，本设备不再保存其姓名和电话：请同时重新给出姓名和电话。
client-invalid-server-url = 无法使用该服务器地址（{ $detail }）：请写成 https://主机[:端口]。
client-insecure-server-url = 拒绝以明文 HTTP 连接 { $detail }：它不是本机，连接将既不加密也不认证；请使用 https://，或仅在演练时明确允许不安全的 HTTP。
client-trusted-ca = 无法使用受信任的 CA 证书（{ $detail }）：请检查 --ca-file 指定的 PEM 文件。
client-network = 无法连接服务器 { $detail }：请检查服务器地址（--server）和网络，然后重试。
client-bad-response = 服务器的应答不符合接口约定（{ $detail }）：请检查 --server 是否为本版本的 Venuecode 服务器。
client-tan-used = 此 TAN 已被使用：请向卫生部门索取新的 TAN。
client-tan-expired = 此 TAN 已过期：请向卫生部门索取新的 TAN。
client-tan-unknown = 服务器不认识此 TAN：请检查是否输错，或者它可能已被取消（它没有被使用，也没有存储任何内容）。
client-tan-typo = 此 TAN 有输入错误：请与卫生部门给您的 TAN 核对（16 个字符，如 7K2M-9XR4-TPLW-3NBQ）。
client-server-error = 服务器拒绝了请求（{ $status } { $code }{ $message }）：{ $hint }。
client-server-error-bare = 服务器返回 { $status }，但没有错误代码：请检查 --server 是否为 Venuecode 服务器，或稍后重试。
client-certificate-refused = 拒绝服务器签发的证书（{ $detail }）：没有做任何更改；请告知登记机构。
client-no-pending-upload = 没有等待发送的上传。
client-nothing-selected = 没有选择要分享的记录。
client-protocol = 协议检查失败（{ $detail }）。
client-invalid-argument = 参数无效（{ $detail }）。

## 卫生部门库的错误

authority-file = 无法读写状态文件（{ $detail }）：请检查路径和权限。
authority-corrupt-state = 状态文件的内容不是本机构写入的（{ $detail }）：请从备份恢复。
authority-bad-answer = 服务器的应答格式不符合文档（{ $detail }）。
authority-protocol = 签名、封装或编码失败（{ $detail }）。
authority-unknown-purpose = { $detail }：请更新本程序。
authority-upload-undecodable = 一份上传无法解码：{ $detail }。
authority-upload-unopenable = 一份上传无法打开：{ $detail }：请检查这是否为卫生部门的目录。
authority-seed-release-invalid = 一份种子公开无效：{ $detail }。
authority-tan-unknown = 一份上传未经授权：{ $detail }。
authority-tan-not-for-case = 一份上传未经授权：{ $detail }。
authority-tan-replayed = 一份上传被重放：{ $detail }。
authority-tan-used = 一份上传的 TAN 已被使用：{ $detail }。
authority-code-invalid = 一条分享的登记无效：{ $detail }。
authority-claim-invalid = 一条分享的登记无效：{ $detail }。
authority-empty-window = { $detail }：请选择更长的时间段。
authority-no-check-in-at-venue = { $detail }：请从病例上传中选择场所。
authority-chain-mismatch = { $detail }：请获取服务器上的链后重新发布。
authority-batch-kept-pending = 发布批次失败；它保存在 { $path }，下次发布时会重新发送：{ $detail }
authority-nothing-to-publish = 没有可发布的内容：{ $detail }。
authority-nothing-new = 没有新的内容可发布：{ $detail }。
authority-all-windows-refused = 所有时间段都被拒绝，没有发布：{ $detail }。
authority-tan-cancelled = 一份上传的 TAN 已被撤销：{ $detail }。
authority-tan-id-unknown = 找不到该 TAN：{ $detail }。
authority-tan-id-ambiguous = TAN 编号不唯一：{ $detail }。
authority-tan-already-cancelled = 该 TAN 已撤销，无需再操作：{ $detail }。
authority-tan-already-used = 该 TAN 已被使用，不能撤销：{ $detail }。
authority-date-range = 日期范围有误，--from 须不晚于 --until：{ $detail }。
authority-region-not-a-filter = 地区筛选无效：{ $detail }。
authority-region-not-in-table = GB/T 2260 表中没有该地区代码，请给出省级或地级代码：{ $detail }。
authority-unknown-category = 未知的场所类别：{ $detail }。
authority-uploads-missing = 没有这些上传，请用 `venuecode authority uploads list` 查看：{ $detail }。
authority-retention-mismatch = 保留期不一致：{ $detail }。
authority-key-file = { $detail }：请给出正确的密钥文件（文件第一行标明其所含密钥的种类）。
authority-key-exists = { $detail }
authority-invalid-url = { $detail }

## 服务器错误代码的提示（API.md）

server-malformed = 请按消息所说修改请求；原样重发会以同样方式失败
server-signature-missing = 请用该接口所需的密钥签名请求
server-signature-invalid = 请用该接口接受的密钥（场所、卫生部门或登记机构管理员密钥）对准确的方法、路径和内容签名
server-timestamp-out-of-window = 请把本机时钟设为自动，然后重新签名请求
server-replayed = 每个请求都要重新签名，使用新的随机数
server-pledge-missing = 负责人必须承诺场所信息真实
server-venue-disabled = 请联系登记机构；此场所密钥不能再使用
server-registration-refused = 重新登记前请先联系登记机构
server-tan-unknown = 请检查 TAN 是否输错，或向卫生部门索取新的 TAN
server-not-found = 请检查编号或路径；该项目可能已过期
server-counts-disabled = 此服务器不统计访问人数；请不要向它发送人数
server-method-not-allowed = 请使用 API.md 为该接口给出的方法
server-timeout = 请在更好的网络下重试；写入可能已经生效（重试的上传会返回 tan_used）
server-duplicate = 无需操作：此批次之前已发布
server-chain-mismatch = 请按序号顺序发布批次，每个都链接到已存储的链头
server-stale-checkpoint = 请发布比已存储的更新的检查点
server-tan-used = 如果这次上传不是您做的，请向卫生部门索取新的 TAN
server-tan-cancelled = 请向卫生部门索取新的 TAN；这个已被撤销
server-revoked = 请用新密钥重新登记场所以获得新证书
server-venue-key-registered = 请通过更新修改场所信息，或用新密钥登记
server-duplicate-venue = 该场所已经登记；请更新那份登记
server-already-reviewed = 无需操作：该登记已经审核过
server-tan-expired = 请向卫生部门索取新的 TAN
server-too-large = 请发送更小的内容，不超过 API.md 中该接口的限制
server-rate-limited = 请等待 Retry-After 头给出的秒数后重试
server-overloaded = 请稍后再试
server-internal = 请稍后再试；如果问题持续，请告知服务器的运营者

## 通用

warning-insecure-http = 警告：--insecure-http：允许以明文 HTTP 连接服务器；网络上的任何人都能读取和篡改请求、应答和 TAN。仅限演练使用。

## 访客

visitor-scan-refused = ✗ { $detail }
visitor-preview = { $venue } — { $address }（{ $category }，{ $kind } 码）
visitor-checked-in = ✓ { $venue } — { $address }
    登记于 { $arrival }；将于 { $departure } 自动离开（{ $reminder } 提醒）
visitor-already-checked-in = （已在此处登记，未新增记录）
visitor-checked-out-of-entry = 已离开记录 { $id }
visitor-checked-out = 已于 { $time } 离开{ $venue }
visitor-diary-head = { $count } 条登记记录：
visitor-hidden-mark = （已隐藏）
visitor-no-exposure-listed = 没有暴露提醒
visitor-dismiss-hint = 处理完一条提醒后，用 `venuecode visitor dismiss 编号` 将其关闭
visitor-dismissed = 已关闭在{ $venue }的暴露提醒 { $id }；`visitor exposures --all` 仍会显示它
visitor-deleted = 已删除记录 { $id }
visitor-entry-shown = 已显示记录 { $id }
visitor-entry-hidden = 已隐藏记录 { $id }
visitor-sync-progress = 已检查第 { $batch } 批，共 { $latest } 批
visitor-shared = 已与卫生部门分享 { $count } 条登记记录，已用其密钥加密
visitor-share-preview-done = 未发送任何内容（--preview）
visitor-share-will-send = 将向卫生部门发送 { $count } 条登记记录：
visitor-share-left-hidden = 未包括的隐藏记录（{ $count } 条；用 --include-hidden 编号 发送）：
visitor-share-left-excluded = 未包括的排除记录（{ $count } 条）：
visitor-share-confirm = 将这 { $count } 条登记记录发送给卫生部门吗？请输入 yes：
visitor-confirm-word = yes

## 暴露提醒与同步

exposure-high-head = ⚠ 高风险暴露
exposure-high-advice = 请尽快检测并居家；请遵从卫生部门的指示。
exposure-low-head = 低风险暴露
exposure-low-advice = 请留意症状，如出现症状请及时检测。
exposure-line = { $head }（提醒 { $id }）于{ $venue }：自 { $start } 起重叠 { $minutes } 分钟。
exposure-dismissed = （已关闭）
sync-complete = 暴露列表已完整，截至第 { $cursor } 批
sync-withheld-one = 第 { $from } 批
sync-withheld-range = 第 { $from }–{ $to } 批
sync-withheld = 警告：服务器扣留了{ $range }；其中的暴露无法检查（列表仅完整到第 { $cursor } 批）。请稍后或换一个网络再同步。
sync-last-checkpoint = 最新检查点时间为 { $time }
sync-no-checkpoint = 卫生部门尚未发布检查点
sync-stale = 列表可能已过时（{ $when }）：可能有本设备未看到的新批次；已读到第 { $cursor } 批
sync-synced = 已同步 { $count } 个新批次；{ $chain }
sync-part-trust-bundle = 信任包
sync-part-revocations = 撤销列表
sync-part-checkpoint = 检查点
sync-part-batches = 批次
sync-part-pings = 人数统计信号
sync-refused = 警告：{ $part }被拒绝：{ $detail }
sync-refused-bundle-kept = ；已安装的密钥保持不变
sync-refused-revocations-kept = ；之前的撤销列表继续有效
sync-failed = 警告：{ $part }获取失败：{ $detail }
sync-bundle-updated = 信任包已更新（由已持有的登记机构密钥签名的轮换）
sync-pings-sent = 已发送 { $count } 个人数统计信号
sync-no-exposure = 没有暴露
sync-no-new-exposure = 没有新的暴露
sync-earlier-listed = 仍有 { $count } 条之前的暴露提醒：`venuecode visitor exposures`；处理后用 `venuecode visitor dismiss 编号` 关闭

## 场所

venue-pending = 登记机构会审核新场所：登记申请 { $id } 正在等待批准。
    下一步：批准后用 `venuecode venue collect` 获取证书。
venue-registered = 已登记{ $name }，序号 { $serial }；证书有效期至 { $until }。
    下一步：`venuecode venue poster` 和 `venuecode venue recovery-sheet`。
venue-still-waiting = 登记申请 { $id } 仍在等待登记机构审核
venue-refused = 登记机构拒绝了登记申请 { $id }；为其保留的密钥已删除，可以重新运行 `venuecode venue register`
venue-approved = 已批准：{ $name } 的序号为 { $serial }；证书有效期至 { $until }。
    下一步：`venuecode venue poster` 和 `venuecode venue recovery-sheet`。
venue-profile-updated = 已更新海报信息（英文行、场所码基础网址、语言）；证书不变。
    下一步：用 `venuecode venue poster` 打印新海报。
venue-updated = 已更新{ $name }：新证书序号 { $serial } 取代序号 { $old }，有效期至 { $until }。
    手机在下次同步后会拒绝旧海报，并引导访客使用当前海报。
    下一步：`venuecode venue poster`，并更换所有已打印的海报
    （正在运行的 `venuecode venue display` 会自动切换到新证书）。
venue-poster-written = 已写入 { $pdf }、{ $svg } 和 { $png }。请用 A4 或更大的纸打印，每个入口张贴一张。
venue-sheet-written = 已将恢复单写入 { $path }（权限 0600）
sheet-header =
    VENUECODE 场所恢复单 — 机密。请锁好保管，切勿张贴。
    持有此单者可以生成本场所的场所码。
sheet-venue = 场所
sheet-english-name = 英文名称
sheet-english-address = 英文地址
sheet-serial = 证书序号
sheet-issued = 生成日期
sheet-base-url = 场所码网址
sheet-master = 主种子
sheet-master-note = 派生每个场所码的种子
sheet-key = 场所密钥
sheet-key-note = RFC 8032 种子；为场所码和请求签名
sheet-guest-book = 访客登记簿密钥
sheet-guest-book-note = 可打开 venue/guestbook.redb 的副本
sheet-footer =
    在新设备上恢复：先安装机构的信任包，然后运行
      venuecode --home 新目录 venue restore --sheet 本文件
    它会从服务器取回当前证书并重建场所目录。丢失设备上登记的访客无法找回，
    除非放回 venue/guestbook.redb 的副本；上面的访客登记簿密钥可以打开它。
serve-listening = venuecode 服务器正在监听 { $url }
serve-metrics = 运维指标位于 { $url }（明文 HTTP：请勿让此端口暴露在互联网上）
venue-restored-other-name = 注意：场所现在登记的名称是{ $name }（恢复单上是{ $sheet }）
venue-restored = 已在 { $home } 恢复{ $name }（序号 { $serial }；证书有效期至 { $until }）。
    下一步：`venuecode venue poster` 或 `venuecode venue display` 可以重新使用；放回 venue/guestbook.redb 的副本可保留之前的访客记录。
venue-display-showing = 动态码显示在 { $url }（请在入口屏幕上全屏显示；按 Ctrl-C 停止）
venue-display-loopback-only = 此显示页只回答本机的请求（请在 http://127.0.0.1 打开）
venue-display-needs-token = 此显示页需要访问令牌：请打开 `venue display` 输出的网址
venue-display-exposed = venue display：正在监听 { $addr }，其他机器可以访问：只有网址中带访问令牌的请求才能获得场所码；请妥善保管
venue-display-unspecified = （请把未指定的地址换成本机的地址）
venue-not-notified = 最近 { $days } 天内没有收到通知
venue-notified = 已通知：卫生部门发布了以下时间段：
venue-notified-window = { $window }（第 { $batch } 批）
venue-seeds-released = 已公开 { $count } 天的种子，已用卫生部门的密钥加密（上传 { $id }）
venue-count-tags-failed = 警告：登记人数统计标签失败：{ $detail }
venue-counts = 今天（场所当地日期 { $day }）的登记人数：{ $today }；最近 { $days } 天：{ $total }
venue-count-tags-registered = 已登记本场所 { $first } 至 { $last }（当地日期）的人数统计标签；请每天运行
venue-already-revoked = 序号 { $serial } 已经停用；无需操作
venue-revoked = 已停用序号 { $serial }；现在扫描它的手机会看到警告
venue-display-tags-failed = venue display：登记人数统计标签失败：{ $detail }
venue-revocation-unknown = 警告：无法检查本场所是否已被撤销：{ $detail }
venue-cert-expired = 警告：本场所的证书已于 { $until } 过期：手机会拒绝它的场所码。请用 `venuecode venue update --renew --pledge` 续期并打印新海报。
venue-cert-expiring = 警告：本场所的证书将于 { $until } 过期（还剩 { $days } 天）：请用 `venuecode venue update --renew --pledge` 续期并打印新海报。
restore-fetching = 从服务器获取序号 { $serial } 的证书
venue-pledge-prompt = 本人承诺所填信息真实 (I pledge that this information is true)。请输入 yes：
venue-display-new-cert = venue display：现在使用证书序号 { $serial } 签名（之前为 { $old }）

## 海报与显示页面（场所的语言）

poster-title = 场所码 · Venue Check-in
poster-category = 类别 Category: { $category }  ·  地区代码 Region: { $region }
poster-subtitle = 隐私保护的场所登记 · Privacy-preserving venue code
poster-instruction = 扫码登记 · Scan to check in
poster-privacy = 登记记录只保存在您的手机上 · Your visit stays on your phone
poster-no-phone = 没有智能手机？请工作人员代为登记 · No smartphone? Staff will check you in
poster-footer = 证书序号 Certificate: { $serial }  ·  发布日期 Issued: { $issued }  ·  有效期至 Valid until: { $until }
display-title = 场所码
display-scan = 扫码登记 · Scan to check in. This code changes every few minutes.
display-lost = 与显示程序失去联系 · Lost contact with the display: this code expires in
display-expired = 此码已失效 · This code has expired
display-stopped-first = 显示程序已停止。请扫描张贴的场所码或联系工作人员。
display-stopped-second = The display has stopped. Scan the printed poster or ask staff.

## 信任包

trust-installed = 已安装
trust-unchanged = 早已安装
trust-updated = 已从序号 { $from } 更新
trust-install-line = 信任包序号 { $sequence } { $outcome }于 { $home }（登记机构密钥 { $key }，服务器 { $server }）
trust-show = 信任包序号 { $sequence }，签发于 { $issued }，由登记机构密钥 { $key } 签名
    登记机构密钥：{ $ra }
    卫生部门签名密钥：{ $ha }
    卫生部门加密密钥：{ $enc }
    服务器：{ $server }
    场所码网址：{ $codes }

## authority commands

answer-yes = 是
ra-venue-about = { $name }（{ $category }），{ $address }，地区 { $region }，密钥 { $key }，序列号 { $serial }
ra-disable-confirm = 永久停用 { $about }？请输入 yes 或“是”：{ " " }
ra-disabled = 已停用 { $about }；手机扫描其场所码时会发出警告。
ra-disable-already = { $about } 已被撤销，未做更改。
ra-disable-matches = 有 { $count } 个场所的名称包含“{ $name }”：
ra-disable-pick = 请输入要停用场所的序列号（直接回车则停止）：{ " " }
ha-initialised =
    已在 { $root } 中生成登记机构和卫生部门的密钥，以及签名的信任包 { $bundle }
    （序号 1；服务器 { $server }；场所码网址 { $codes }）。
    启动服务器：
      venuecode server --data-dir DATA --ra-key { $root }/ra/ra.key --admin-key { $root }/ra/admin.pub --ha-keys { $root }/authority/ha-signing.pub --ha-encryption-key { $root }/authority/ha-encryption.pub --trust-bundle { $bundle }
    将信任包随应用发布；在其他每个目录（场所、访客）中安装：
      venuecode --home HOME trust install { $bundle }
    （或加 --trust-bundle { $bundle }，或设置 VENUECODE_TRUST_BUNDLE）。任何一方都不信任从服务器获取的密钥。
ha-tans-issued =
    用途：{ $purpose }（{ $about }）；{ $expires } 失效（{ $hours } 小时）；每个只能使用一次。
    TAN 只在此时显示；`authority tan list` 以编号列出。
ha-purpose-case = 确诊者上传其登记记录
ha-purpose-guestbook = 场所提供其访客登记簿
ha-purpose-seeds = 场所提供其动态码种子
ha-checkpoint-posted = 已发布检查点：批次 { $sequence }，签发于 { $issued }（仍提供自批次 { $retained } 起的数据）
ra-no-registrations = 没有待审核的登记申请
ra-registration-row = #{ $id }  { $name }  { $address }  地区 { $region }  { $category }（密钥 { $key }）
ra-approved = 已批准登记申请 { $id }：已签发证书，序列号 { $serial }
ra-refused = 已拒绝登记申请 { $id }
ha-mailbox-empty = 上传信箱为空
ha-uploads-count = 共 { $count } 个上传：
ha-upload-context = 上传 { $id }
ha-tan-check-used = 由本机构为确诊者签发；已被此上传使用
ha-tan-check-unused = 由本机构为确诊者签发；此前未被使用
ha-tan-not-checked = 未核对
ha-upload-deleted = 已删除上传 { $id }
ha-case-tan = TAN：{ $check }
ha-case-tan-refused = TAN：已拒绝，其中任何内容都不会发布：{ $check }
ha-case-shared = 确诊者上传了 { $count } 条登记记录：
ha-case-entry = { $venue }（序列号 { $serial }）：{ $stay }
ha-case-entry-refused = 已拒绝，不会发布：{ $reason }
ha-guestbook-entries = { $count } 条访客登记记录：
ha-guestbook-entry = { $name } { $phone }，场所序列号 { $serial }：{ $arrival } – { $departure }
ha-seeds-opened = 密钥为 { $key } 的场所提供了 { $days } 的种子（按场所当地日期）
ha-published = 已发布批次 { $sequence }：来自 { $uploads } 个上传、{ $stays } 段停留的 { $records } 条记录；已发布检查点
ha-skipped = 已跳过上传 { $upload }（SKIPPED）：{ $reason }
ha-skipped-entry = 已跳过上传 { $upload } 的第 { $entry } 条登记（SKIPPED）：{ $reason }
ha-progress-posted-pending = 已发布被中断的发布遗留的批次 { $sequence }
ha-progress-opening = 正在打开上传 { $upload }（{ $purpose }）
ha-progress-stay-refused = 已跳过序列号 { $serial } 的一段停留（SKIPPED）：{ $reason }
ha-progress-sealing = 正在为 { $windows } 个新时段生成并加密记录（{ $before } 个此前已发布）
ha-progress-window-refused = 已跳过时段 { $from }–{ $until }（SKIPPED）：{ $reason }
ha-progress-signed = 已签署批次 { $sequence }，共 { $records } 条记录；正在发布
ha-progress-checkpoint = 已在批次 { $sequence } 处发布检查点
ha-waiting-for-lock = 正在等待此目录中的另一个机构命令结束…
ha-missing-seed = 警告：{ $venue }（序列号 { $serial }）尚未提供 { $day } 的种子；当天扫描其屏幕的访客无法收到提醒
ha-tans-server-unreachable = 警告：无法查询服务器（{ $detail }）；状态取自本机台账
ha-no-tans = 本机构尚未签发任何 TAN（authority tan --count N）
ha-tan-state-server = { $state }（服务器：{ $server }）
ha-tan-cancelled = 已作废 TAN { $id }：服务器将拒绝使用它的任何上传
ha-holds-case = { $count } 条登记记录：{ $venues }
ha-venue-serial = { $venue }（序列号 { $serial }）
ha-holds-guestbook = 序列号 { $serials } 的 { $count } 条访客登记记录
ha-holds-seeds = 某场所 { $count } 天的种子（uploads open 会显示其密钥）
ha-holds-unreadable = 无法读取：{ $reason }
col-id = 编号
col-purpose = 用途
col-arrived = 收到时间
col-bytes = 字节
col-holds = 内容
col-issued = 签发时间
col-expires = 失效时间
col-state = 状态
col-region = 地区
col-category = 类别
col-active = 有效
col-revoked = 已撤销
col-date = 日期
col-batches = 批次
col-records = 记录
col-visits = 到访
stats-filter-region = 地区 { $region }
stats-filter-category = 类别 { $category }
stats-filter-between = { $from } 至 { $until }
stats-filter-from = 自 { $from }
stats-filter-until = 至 { $until }
stats-filtered = 筛选条件：{ $filters }
stats-venues = 场所（现行证书）
stats-none = 无
stats-exposures = 暴露批次，按收到日期（UTC）
stats-no-counts = 到访：此服务器不统计到访
stats-visits = 到访统计
stats-visits-by-date = 到访统计，按场所当地日期

## guest book

guests-recorded = 已登记访客 { $id }（{ $label }），信息已加密给卫生部门
guests-count = 共 { $count } 位访客：
guests-open = （未离开）
guests-uploading = 正在上传 { $count } 条加密记录……
guests-disclosed = 已向卫生部门提供 { $count } 条加密记录（上传编号 { $upload }）
guests-checked-out = 访客 { $id }（{ $label }）已离开：{ $stay }
guests-changed = 已修改访客 { $id }（{ $label }）：{ $stay }
guests-copy-unaffected = 已在上传 { $upload } 中提供给卫生部门的副本不受影响
guests-deleted = 已删除访客 { $id }
guests-deleted-disclosed = 已从本设备删除访客 { $id }；该记录已在上传 { $upload } 中提供给卫生部门，那份副本不受影响
guests-delete-disclosed = 访客 { $id } 已在上传 { $upload } 中提供给卫生部门；在此删除不影响那份副本
guests-delete-confirm = 删除访客 { $id }（{ $label }）？请输入 yes 或“是”：{ " " }

## demo

demo-title = Venuecode 演示——一台机器，所有角色。
demo-authorities =
    登记机构和卫生部门生成了各自的密钥，并签署了信任包（序号 { $sequence }）：
    每部手机和每个场所随应用安装这些密钥，从不从服务器获取。服务器运行于 { $url }，数据目录为空。
    它只会保存场所证书和不透明的令牌。
demo-venues =
    两个场所完成登记，各自用在本机生成的密钥签署申请：
    - 兰州牛肉面馆，序列号 { $noodle }，打印场所码海报；
    - 安宁区图书馆，序列号 { $library }，在屏幕上显示动态码。
demo-day-begins = 一天开始了（{ $day }；时间为模拟时钟上的 UTC 时间）。
demo-alice = 爱丽丝
demo-bob = 鲍勃
demo-carol = 卡罗尔
demo-dave = 戴夫
demo-carol-in = { $time }  卡罗尔扫描面馆的海报并登记。
demo-alice-in = { $time }  爱丽丝在面馆登记。
demo-out = { $time }  { $who }离开。
demo-bob-in =
    { $time }  鲍勃在卡罗尔离开后到面馆登记。他没有手动离开；
    {"       "}手机在场所的默认停留时间之后替他离开（{ $departure }）。
demo-carol-library = { $time }  卡罗尔扫描图书馆的屏幕；屏幕上的码每隔几分钟更换一次。
demo-guest =
    { $time }  王芳没有智能手机；工作人员将她记入访客登记簿。她的姓名和电话
    {"       "}立即加密给卫生部门；图书馆只保留“{ $label }”。
demo-dave-in = { $time }  戴夫扫描图书馆的屏幕。
demo-carol-out-library = { $time }  卡罗尔离开图书馆。
demo-positive =
    { $time }  卡罗尔检测呈阳性。卫生部门给她一个一次性 TAN；她的手机
    {"       "}用卫生部门的密钥加密她的 { $count } 条登记记录，并凭该 TAN 上传。
demo-tan-once = {"       "}（用同一个 TAN 再次上传会被拒绝：每个 TAN 只能用一次。）
demo-ha-opens = {"       "}卫生部门离线打开上传，看到：
demo-library-cooperates =
    {"       "}图书馆提供 { $days } 天的屏幕种子，并提供 { $from }–{ $until } 的 { $entries } 条访客登记记录，
    {"       "}均已加密给卫生部门。
demo-ha-phones-guest = {"       "}卫生部门读取访客登记簿，直接打电话给{ $name }（{ $from }–{ $until }）。
demo-published =
    { $time }  卫生部门核对每条上传的登记记录（签名；停留不超过 12 小时，
    {"       "}不晚于上传时间；屏幕码只在其显示的几分钟内有效），然后
    {"       "}发布批次 { $sequence }：{ $records } 条不透明记录（16 字节令牌加 24 字节密封），与上一批次相链接，
    {"       "}并发布一个指向最新批次的签名检查点。
    {"       "}服务器既看不到场所，也看不到背后的时间。
demo-bob-why = 他的手机可能持有 { $time } 前后几个小时的令牌，但他的停留始于卡罗尔的时段结束之后，因此没有重叠
demo-list-unverified = {"       "}{ $who }的手机无法确认列表完整：{ $detail }
demo-exposure = { $time }  { $who }的手机在本机比对列表：⚠ 在{ $venue }有暴露——重叠 { $minutes } 分钟。
demo-no-exposure = { $time }  { $who }的手机没有发现暴露：{ $why }。
demo-list-complete =
    {"       "}每部手机都核对了卫生部门签名的检查点：暴露列表完整至批次 { $sequence }，
    {"       "}没有遗漏，也没有过时。
demo-venue-notified = {"       "}面馆在自己的设备上查询“我的场所是否被通报？”：{ $answer }。
demo-yes = 是
demo-no = 否
demo-server-venues = { $region } 地区有效的 { $category } 场所 { $active } 个
demo-server-holds =
    服务器保存的是：公开的场所证书（{ $venues }）、一个含 { $records } 条不透明记录的批次，
    以及只有卫生部门能打开的加密上传。没有登记记录，没有姓名，
    没有任何到访时间。
demo-summary = 收到提醒：{ $notified }。未收到提醒：{ $not_notified }（与确诊者没有重叠）。
demo-web-app-running = 服务器继续运行，并提供访客网页应用。请在浏览器中打开面馆的海报（与打印的海报是同一个码，位于本服务器的 /c）：
    {"  "}{ $url }
    按 Ctrl-C 停止。
demo-web-app-stopped = 面馆海报在本服务器网页应用上的地址：{ $url }
    （服务器已停止；先用 scripts/build-web.sh 构建应用，再运行 `venuecode demo --web-app web/dist`，服务器就会继续运行，可在浏览器中打开该地址）
demo-posters = 海报保存在 { $dir }。
demo-poster = {"  "}海报：{ $path }、.svg、.png
demo-bare-qr = {"  "}（{ $detail }；改为把二维码本身写入 { $path }，未生成海报）

## command descriptions (--help)

help = Venuecode：保护隐私的场所登记。登记记录只保存在手机上；服务器只保存公开的场所证书和不透明的令牌
help-server = 运行服务器（场所登记、撤销列表、暴露批次、TAN 上传、到访计数、统计）
help-venue = 场所命令：登记、打印海报、显示动态码、访客登记簿
help-venue-register = 登记场所：生成其密钥，并向服务器申请证书
help-venue-restore = 在新设备上用恢复单重建此场所：从服务器获取当前证书，并恢复密钥、主种子、海报信息和访客登记簿密钥。请先安装信任包
help-venue-collect = 在登记机构批准后，获取服务器待审核登记的证书
help-venue-update = 更正场所信息：服务器签发新证书（新序列号）并取代旧证书。手机在下次同步后拒绝旧海报，并提示使用当前海报；之后请打印新海报（正在运行的 `venue display` 会自动切换）。未给出的字段保持不变；密钥和主种子也保持不变
help-venue-poster = 生成 A4 海报（PDF、SVG 和 PNG）
help-venue-code = 以网址形式输出场所码：海报上的静态码，或屏幕此刻显示的动态码
help-venue-recovery-sheet = 生成私密恢复单（主种子和场所密钥）。请锁好保管
help-venue-display = 为入口处的屏幕提供动态码页面
help-venue-guestbook = 为没有智能手机的人代为登记
help-venue-guestbook-add = 登记访客：姓名和电话立即加密给卫生部门
help-venue-guestbook-checkout = 为未离开的访客登记离开：连同离开时间重新加密
help-venue-guestbook-edit = 更正访客的到达、离开时间、姓名或电话（重新加密）。已离开的访客须同时给出 --name 和 --phone：设备已不再保存它们
help-venue-guestbook-delete = 从本设备删除访客（已提供给卫生部门的副本不受影响）
help-venue-guestbook-list = 列出访客（标签已打码）
help-venue-guestbook-disclose = 将某时段的加密记录提供给卫生部门的上传信箱
help-venue-notified = 我的场所是否被通报？在本设备上核对已发布的列表
help-venue-release-seeds = 按卫生部门的要求提供指定日期的动态码种子（加密给卫生部门）
help-venue-counts = 按场所当地日期显示今天和累计的登记人数，默认为最近 14 天（须服务器启用计数；会先登记计数标签）
help-venue-count-tags = 登记场所从 14 天前到明天各当地日期的计数标签，使服务器为本场所（且只为本场所）统计手机的登记计数。请每天运行（`venue counts` 也会登记）；服务器须以 --counts 运行
help-venue-revoke = 停用本场所的场所码
help-authority = 卫生部门（以及登记机构管理员）的命令
help-authority-init = 在目录中生成登记机构和卫生部门的密钥，以及供客户端使用的签名信任包（authority/trust-bundle.bin；也安装到此目录）
help-authority-tan = 签发 TAN（一次性上传码）：记录在 authority/tans.json 中（只有其中加密的 TAN 是本机构在此签发的，确诊者的上传才会被发布），其哈希登记到服务器。`tan list` 列出已签发的 TAN，`tan cancel` 作废一个
help-authority-tan-list = 列出本机构签发的 TAN（来自 authority/tans.json）：编号、用途、签发时间、失效时间和状态（未使用、已使用、已过期、已作废），以及服务器对台账中仍未使用者的说法（服务器已收到但尚未发布的上传在服务器上显示为已使用）。TAN 本身只在签发时显示；此处以编号（其哈希的开头）指代
help-authority-tan-cancel = 作废一个未使用的 TAN，使任何上传都不能再使用它（交错了人或丢失的 TAN）：服务器拒绝使用它的上传（410 tan_cancelled），台账将其标为已作废
help-authority-uploads = 上传信箱
help-authority-uploads-list = 列出上传信箱：每个上传的编号、用途、收到时间（本设备时区）、大小，以及本机构能打开的内容（确诊者登记过的场所、访客登记簿的序列号、种子上传的密钥）
help-authority-uploads-open = 打开一个上传并显示其内容
help-authority-uploads-delete = 删除一个上传
help-authority-publish = 发布暴露信息：打开上传信箱，逐一核对每个上传和每条登记记录（有问题的会报告并跳过），为上传的停留生成记录，签署链上的下一个批次并发布，然后发布新的检查点
help-authority-checkpoint = 不发布新批次，只签署并发布批次链的新检查点，使手机能确认列表完整且最新（请定时运行，例如每小时由 cron 运行）
help-authority-disable = 永久停用场所码（登记机构管理员）：手机扫描时发出警告，该场所密钥不能再次登记。给出其序列号，或用 `--name` 给出名称的一部分（多个匹配时：选择一个，或给出更完整的名称）。显示场所（名称、地址、地区、密钥编号、序列号）并要求确认；`--yes` 跳过确认（标准输入不是终端时必须给出）
help-authority-registrations = 列出待审核的场所登记申请（服务器以 `--review-registrations` 运行；登记机构管理员）
help-authority-approve = 批准一个待审核的登记申请：服务器签发其证书
help-authority-refuse = 拒绝一个待审核的登记申请
help-authority-stats = 统计表：按地区和类别的场所数、按收到日期的暴露批次，以及按地区、类别和日期的到访计数（服务器统计到访时）。地区名称取自 GB/T 2260 表（表中没有的代码只显示代码）。筛选条件作用于适用的每张表：地区和类别筛选作用于场所和到访，日期筛选作用于暴露批次和到访
help-visitor = 访客命令，与手机应用的操作相同
help-visitor-scan = 扫描场所码（网址、数字或 PNG/JPEG 照片）并登记
help-visitor-checkout = 离开当前场所
help-visitor-diary = 显示登记记录
help-visitor-exposures = 列出本手机发现且尚未关闭的暴露提醒（高风险会特别标出），以及重叠时长和卫生部门的建议
help-visitor-dismiss = 阅读并处理后关闭一条暴露提醒：它将不再列出
help-visitor-edit = 修改一条记录的到达和离开时间
help-visitor-hide = 隐藏、显示或删除一条记录
help-visitor-sync = 获取撤销列表和暴露列表并在本设备上比对，并说明列表是否完整。退出状态：同步完成为 0（列表过时、撤销列表或信任包被拒绝只作为警告输出）；服务器扣留批次时为 4（其中的暴露无法核对）；撤销列表、检查点或批次无法获取时为 1
help-visitor-share = 检测阳性后上传登记记录。列出将发送和不发送的内容，然后要求确认（脚本可用 --yes）；隐藏的记录不会发送，除非用 --include-hidden 指明。TAN 不区分大小写，忽略空格和连字符；输错会在发送前报告
help-trust = 信任包：此目录信任的机构密钥（不在首次使用时盲目信任）
help-trust-install = 在此目录中安装信任包。第一个信任包须能自行验证（由其自身的某个登记机构密钥签名）；已安装信任包时，只接受由已安装的某个登记机构密钥签名、且序号更高的更新。每个角色（访客、场所、机构）都只从此信任包读取机构密钥
help-trust-show = 显示已安装的信任包：序号、密钥和网址
help-demo = 在本机用内嵌服务器运行完整流程，并讲述整个过程

## clap's own words in `--help`.
clap-usage = 用法:
clap-commands = 命令
clap-arguments = 参数
clap-options = 选项
clap-help = 显示帮助
clap-version = 显示版本
clap-help-command = 显示本帮助或指定子命令的帮助
clap-possible-values = [可选值：{ $values }]
clap-default = [默认值：{ $value }]
clap-env = [环境变量：{ $name }]
clap-invalid-value = { $arg } 的值 `{ $value }` 无效；可选：{ $valid }
clap-empty-value = { $arg } 需要一个值
clap-value-refused = { $arg } 的值 `{ $value }` 无效：{ $detail }
clap-unknown-argument = 未知参数 { $arg }
clap-unknown-command = 未知命令 `{ $command }`
clap-missing-argument = 缺少必需的参数：{ $arg }
clap-missing-command = 需要给出一个命令
clap-conflict = { $arg } 不能与 { $other } 同时使用
clap-try-help = 更多信息请使用 '--help'。

## Each argument's help (`help-<command path>--<argument>`), and the examples after a
## command's help where they hold words besides commands (`examples-<command path>`).
help--home = 存放密钥和数据的状态目录（每个角色一个子目录）
help--server = Venuecode 服务器（默认：已安装信任包中的服务器网址，否则为 http://127.0.0.1:8080）
help--ca-file = 信任此 PEM 文件中的 CA 证书来验证服务器的 HTTPS 证书，供自建 PKI 的卫生部门使用（代替公共网站根证书）
help--insecure-http = 允许以明文 http:// 连接其他机器上的服务器。此时所有内容（包括 TAN）都以未加密、未认证的方式传输：仅限封闭网络中的演练。以明文 HTTP 连接本机（127.0.0.1、[::1]、localhost）无需此参数
help--tz = 以此时区显示和读取时间：偏移量（`+08:00`、`UTC`）或时区名称（`Asia/Shanghai`）。默认：TZ 环境变量，否则为系统时区。场所的时间（登记、访客登记簿、证书）以场所所在时区显示
help--now = 假定时钟显示此时间（`2026-11-25 14:05`，除非后跟 `+08:00` 或 `UTC` 等偏移量，否则按设备时区读取），用于演练和测试。发给服务器的签名请求始终使用真实时钟；服务器报告的时间（上传的收到时间）按同一模拟时间线读取
help--json = 输出机器可读的 JSON 而不是文本。失败时在标准错误输出 `{"{"}"error": {"{"}"code": "...", "message": "..."{"}"}{"}"}`（错误码见 ERRORS.md）
help--lang = 消息语言：`en` 或 `zh-CN`。默认：系统区域设置（LC_ALL、LC_MESSAGES、LANG：`zh*` 为 zh-CN，其他为 en）
help-server--listen = 监听地址（端口 0 表示自动选择空闲端口）
help-server--metrics-listen = 运维指标监听地址：以明文 HTTP 提供 `GET /metrics`（OpenMetrics）和 `GET /healthz`，与公开监听地址及其各项限制分开。不给出时完全不提供指标。请只让它监听本机回环地址或内部网络：这些计数会暴露病例上传的时间。非回环地址需要同时给出 `--metrics-allow-remote`
help-server--metrics-allow-remote = 允许 `--metrics-listen` 使用其他主机可以访问的地址（内部网络，或端口未对外发布的容器内的所有网卡）；没有此参数时服务器在启动时拒绝这样的地址。指标是不经认证的明文 HTTP：请用防火墙保护该端口
help-server--data-dir = 存放数据库的目录；不存在时自动创建。给出 `--postgres-url` 时不使用（但仍须给出）
help-server--postgres-url = 将所有数据存入此 PostgreSQL 数据库而不是内嵌的 redb 存储，使多个服务器副本可以共用（`postgres://user@host:port/dbname`，或 `key=value` 形式的连接字符串；不支持 TLS）。数据库结构不存在时自动创建
help-server--postgres-connections = 本服务器同时打开的 PostgreSQL 连接数上限
help-server--ra-key = 登记机构 Ed25519 签名私钥文件（`venuecode ed25519 secret key`，随后是十六进制的 RFC 8032 种子）。服务器用它签署证书和撤销列表
help-server--admin-key = 登记机构管理员的 Ed25519 公钥文件（`venuecode ed25519 public key`，随后是十六进制公钥），用于签署停用请求。没有它时，管理接口拒绝所有请求。私钥文件会被拒绝
help-server--ha-keys = 受信任的卫生部门 Ed25519 公钥文件（`venuecode ed25519 public key`，随后每行一个十六进制公钥）。可重复此参数，或在环境变量中用逗号分隔多个路径。私钥文件会被拒绝
help-server--ha-encryption-key = 卫生部门的 X25519 公钥文件（`venuecode x25519 public key`，随后是十六进制公钥），发布在 `/v1/authority`，供客户端加密上传内容。私钥文件会被拒绝
help-server--trust-bundle = 签名信任包文件（`authority init` 生成 `trust-bundle.bin`），由 `GET /v1/trust-bundle` 提供。它须能自行解码和验证（由其自身的某个登记机构密钥签名），否则服务器拒绝启动。没有它时，该接口返回 404
help-server--retention-days = 批次、上传、TAN 和计数的保存天数
help-server--batch-retention-margin-hours = 暴露批次在保存期之外再保留的小时数。手机持有卫生部门的检查点，其中的 `retained_from` 指明它期望服务器仍提供的最早批次；在卫生部门下一个检查点之前删除的批次，手机将无法获取。请至少设为卫生部门两次检查点之间的间隔
help-server--certificate-days = 签发的场所证书的有效天数
help-server--counts = 接受计数上报并回答计数查询（默认关闭）
help-server--request-timeout-ms = 单个请求的最长处理时间，单位为毫秒（超时返回 408）
help-server--max-concurrency = 同时处理的请求数；超出的以 503 拒绝
help-server--max-write-concurrency = 同时处理的带请求体的请求数（POST、PUT、DELETE），不计入 `--max-concurrency` 统计的读取请求；超出的以 503 拒绝。慢速上传者只能占用这些名额
help-server--max-connections = 同时打开的客户端连接数（含 TLS 握手）；超出的连接立即关闭。加上为存储和日志预留的部分，此值决定服务器所需的文件描述符数：启动时会相应提高 RLIMIT_NOFILE，无法提高则拒绝启动
help-server--max-connections-per-ip = 单个地址（IPv6：一个 /64）同时保持的客户端连接数；超出的立即关闭。在反向代理之后，所有连接都来自代理：此时请设为 `--max-connections` 的值，由代理限制其客户端
help-server--header-timeout-ms = 连接发送完整请求头的最长时间（毫秒），从连接建立或上一个响应结束时起算（因此也是空闲 keep-alive 的期限）；超时即关闭连接
help-server--max-header-bytes = 请求头（请求行和各请求头）的最大字节数，不超过 65536；更大的请求头返回 431 并关闭连接
help-server--min-body-rate = 请求体的最低平均到达速度（字节/秒），在最初的 `--body-grace-ms` 之后计算；更慢的请求体返回 408
help-server--body-grace-ms = 请求体开始受 `--min-body-rate` 限制之前可用的毫秒数
help-server--linger-ms = 连接在答复后关闭时，继续读取并丢弃客户端仍在发送的内容（被拒绝请求体的剩余部分）的毫秒数，使客户端读到答复而不是连接重置；之后关闭连接
help-server--linger-bytes = 连接在答复后关闭时最多读取并丢弃的字节数，超过后仍会关闭。比这更大的被拒绝请求体，其客户端可能只收到连接重置而不是答复
help-server--max-body-bytes-in-flight = 服务器同时持有的请求体总字节数（所有请求合计；请求体按其声明的长度计算，未声明时按其接口的上限计算，直到请求得到回答）；超出时，带请求体的请求以 503 拒绝
help-server--registrations-per-ip-per-hour = 单个地址（IPv6：一个 /64）每小时可提交的场所登记数（起初可一次用完，之后每 60/N 分钟恢复一个）
help-server--registrations-per-minute = 整个服务器每分钟接受的场所登记数（起初可一次用完）
help-server--review-registrations = 新的场所登记须经登记机构管理员批准（`venuecode authority registrations`、`approve`、`refuse`）；批准后场所再获取其证书
help-server--rate-per-minute = 单个 IP 地址每分钟对公开写入接口（上传、计数）的请求数
help-server--rate-burst = 单个 IP 地址对公开写入接口的突发请求数
help-server--client-ip-header = 位于受信任的反向代理之后时，携带客户端地址的请求头（例如 `x-forwarded-for`；使用其最后一项，即代理添加的一项）。仅用于按地址的限制（速率限制、登记数、大签名请求体验签失败后的等待）；没有它时，使用连接的对端地址
help-server--max-batch-bytes = 接受的暴露批次最大字节数
help-server--max-upload-bytes = 接受的上传最大字节数
help-server--batch-cache-bytes = 在内存中缓存最近提供的暴露批次的字节数（0 表示关闭缓存）
help-server--tls-cert = 服务器 TLS 证书链的 PEM 文件，叶证书在前。与 `--tls-key` 一起给出时，服务器自行提供 HTTPS；两者都不给出时为明文 HTTP（仅在回环地址上，或在终结 TLS 的反向代理之后）
help-server--tls-key = `--tls-cert` 的私钥 PEM 文件（PKCS#8、SEC1 或 RSA；请保持权限为 0600）
help-server--web-app = 已构建的访客网页应用目录（`scripts/build-web.sh` 生成 `web/dist/`），在 `--web-app-path`（信任包中场所码基础网址的路径）提供，使手机相机打开的场所码进入该应用。启动时读取一次。`--trust-bundle` 的信任包以 `trust.bundle` 提供在其旁边。没有它时，该路径返回 404 和一个说明应用未安装的页面
help-server--web-app-path = 网页应用的路径：场所码基础网址的路径（`https://vc.example/c` 对应 `/c`），末尾不带斜杠
help-server--retention-interval-secs = 两次清理过期数据之间的秒数
help-venue--trust-bundle = 在命令运行前将此信任包安装到此目录：第一个信任包，或由已安装信任包的某个登记机构密钥签名、且序号更高的更新（其他一律拒绝）。`authority init` 将其写为 authority/trust-bundle.bin
help-venue-register--name = 场所名称，与门牌一致（中文）
help-venue-register--address = 详细地址（中文）
help-venue-register--region = 六位行政区划代码，例如 620105
help-venue-register--category = 类别：medical、pharmacy、restaurant、mall、school 等（见 `--help`）
help-venue-register--stay = 手机自动登记离开的分钟数（15 至 720）
help-venue-register--utc-offset = 场所的 UTC 偏移量，±HH:MM，以一刻钟为单位，从 -12:00 到 +14:00（写入证书；动态码在场所当地午夜更换）
help-venue-register--english-name = 海报上的英文名称
help-venue-register--english-address = 海报上的英文地址
help-venue-register--pledge = 我承诺以上信息真实（省略时会交互询问）
help-venue-register--base-url = 场所码指向的基础网址：https://、主机名和路径，不带片段（默认：信任包中的场所码基础网址）
help-venue-restore--sheet = 恢复单（由 `venue recovery-sheet` 生成；手工录入的副本也可以）
help-venue-update--name = 新的场所名称（中文）
help-venue-update--address = 新的详细地址（中文）
help-venue-update--region = 新的六位行政区划代码
help-venue-update--category = 新的类别
help-venue-update--stay = 新的自动登记离开分钟数（15 至 720）
help-venue-update--utc-offset = 新的 UTC 偏移量，±HH:MM，以一刻钟为单位（例如 +08:00、+05:45、-03:30）
help-venue-update--english-name = 海报上新的英文名称
help-venue-update--english-address = 海报上新的英文地址
help-venue-update--base-url = 场所码新的基础网址（https://、主机名和路径，不带片段）；之后请重新打印海报
help-venue-update--renew = 即使没有更改也申请新证书：用于更新即将到期的证书（证书有效期一年；两种情况都须重新打印海报）
help-venue-update--pledge = 我承诺以上信息真实（省略时会交互询问）
help-venue-poster--out = 输出路径（不含扩展名）
help-venue-poster--dpi = PNG 分辨率
help-venue-code--rotating = 输出此刻的动态码，而不是静态码
help-venue-recovery-sheet--out = 输出文件
help-venue-display--listen = 监听地址。默认为回环地址；在其他地址上，显示页只回答携带访问令牌的请求，令牌包含在它输出的屏幕网址中（能获取动态码的人都能在别处登记：请勿公开该网址）
help-venue-guestbook-add--name = 访客姓名
help-venue-guestbook-add--phone = 访客电话号码
help-venue-guestbook-add--arrival = 到达时间（默认为现在），除非后跟偏移量，否则按场所时区读取（`09:30`、`2026-11-25 09:30`、`09:30+08:00`）
help-venue-guestbook-add--departure = 离开时间，读法同 --arrival。不给出时访客保持未离开（预计在场所默认停留时长后离开），直到 `guestbook checkout`
help-venue-guestbook-checkout--id = 记录编号（`guestbook list` 会列出）
help-venue-guestbook-checkout--departure = 离开时间（默认为现在），除非后跟偏移量，否则按场所时区读取
help-venue-guestbook-edit--id = 记录编号（`guestbook list` 会列出）
help-venue-guestbook-edit--arrival = 新的到达时间，读法同 `add --arrival`
help-venue-guestbook-edit--departure = 新的离开时间，读法同 `add --arrival`
help-venue-guestbook-edit--name = 访客姓名
help-venue-guestbook-edit--phone = 访客电话号码
help-venue-guestbook-delete--id = 记录编号（`guestbook list` 会列出）
help-venue-guestbook-delete--yes = 删除时不要求确认（用于脚本）
help-venue-guestbook-disclose--tan = 卫生部门给场所的 TAN
help-venue-guestbook-disclose--from = 时段开始
help-venue-guestbook-disclose--until = 时段结束
help-venue-notified--days = 向前查看的天数
help-venue-release-seeds--tan = 卫生部门给场所的 TAN
help-venue-release-seeds--days = 要提供的日期（`2026-11-24`），以逗号分隔
help-venue-counts--days = 累计人数向前统计的天数
help-venue-revoke--yes = 确认
help-authority--trust-bundle = 在命令运行前将此信任包安装到此目录：第一个信任包，或由已安装信任包的某个登记机构密钥签名、且序号更高的更新（其他一律拒绝）。`authority init` 将其写为 authority/trust-bundle.bin
help-authority-init--server-url = 信任包中写明的服务器网址（https://…；http:// 仅限回环主机）
help-authority-init--code-base-url = 信任包中写明的场所码二维码网址的基础网址
help-authority-tan--purpose = TAN 的用途
help-authority-tan--count = 数量
help-authority-tan--valid-hours = 失效前的小时数
help-authority-tan-list--offline = 不询问服务器；只看台账
help-authority-tan-cancel--id = `authority tan list` 中的 TAN 编号（至少 6 位十六进制数字），或 TAN 本身
help-authority-uploads-open--id = 上传编号
help-authority-uploads-delete--id = 上传编号
help-authority-publish--uploads = 要发布的上传编号（默认：信箱中所有确诊者上传）；信箱中没有的编号是错误，此时不发布任何内容。已发布过的时段（记录在 `authority/published.json` 中）不会再次发布
help-authority-publish--windows = 流调人员选定的时段，`SERIAL,FROM,UNTIL`（时间如 `2026-11-25 14:05`，除非后跟 `+08:00` 等偏移量，否则按设备时区读取）；多个时段请重复此参数。它取代确诊者在该场所分享的停留；未列出的场所保留确诊者分享的停留
help-authority-publish--risk = 风险等级
help-authority-publish--message = 手机显示的消息（必须是通用的：它是公开的）
help-authority-publish--delete = 发布后删除这些上传
help-authority-publish--retention-days = 服务器保留批次的天数：须与服务器的 `--retention-days` 相同（同一个环境变量同时设置两者）。检查点告诉手机哪些批次已不再提供；比服务器短会使手机跳过服务器仍在提供的批次，比服务器长会使手机警告有批次被扣留。两个命令都先向服务器询问其保留天数，不一致时不发送任何内容
help-authority-checkpoint--retention-days = 服务器保留批次的天数：须与服务器的 `--retention-days` 相同（同一个环境变量同时设置两者）。检查点告诉手机哪些批次已不再提供；比服务器短会使手机跳过服务器仍在提供的批次，比服务器长会使手机警告有批次被扣留。两个命令都先向服务器询问其保留天数，不一致时不发送任何内容
help-authority-disable--serial = 证书序列号
help-authority-disable--name = 按名称的一部分（不区分大小写）查找场所，代替序列号
help-authority-disable--yes = 不询问，立即停用（用于脚本）
help-authority-approve--id = 登记申请编号，见 `authority registrations`
help-authority-refuse--id = 登记申请编号，见 `authority registrations`
help-authority-stats--region = 只看此省（44 或 440000）或地级市（4403 或 440300），GB/T 2260
help-authority-stats--category = 只看此场所类别（restaurant、pharmacy 等）
help-authority-stats--from = 只看此日期及以后（YYYY-MM-DD）
help-authority-stats--until = 只看此日期及以前，含当天（YYYY-MM-DD）
help-visitor--trust-bundle = 在命令运行前将此信任包安装到此目录：第一个信任包，或由已安装信任包的某个登记机构密钥签名、且序号更高的更新（其他一律拒绝）。`authority init` 将其写为 authority/trust-bundle.bin
help-visitor-scan--code = 扫描到的网址或数字
help-visitor-scan--image = 改用场所码的照片
help-visitor-scan--preview = 只显示预览；不登记
help-visitor-scan--stay = 预计停留的分钟数（15 至 720）：即自动登记离开的时间（默认：场所的通常停留时长）。之后可用 `visitor edit` 更正
help-visitor-diary--all = 包括隐藏的记录
help-visitor-exposures--all = 包括已关闭的暴露提醒
help-visitor-dismiss--id = 暴露提醒编号（见 `exposures`）
help-visitor-edit--id = 记录编号（见 `diary`）
help-visitor-edit--arrival = 新的到达时间，除非后跟偏移量，否则按设备时区读取（`10:15`、`2026-11-25 10:15`、`10:15+08:00`）
help-visitor-edit--departure = 新的离开时间，读法同 --arrival
help-visitor-hide--id = 记录编号
help-visitor-hide--unhide = 改为重新显示
help-visitor-hide--delete = 永久删除
help-visitor-share--tan = 卫生部门给出的 TAN
help-visitor-share--from = 传染期开始时间（默认为 14 天前），除非后跟偏移量，否则按设备时区读取
help-visitor-share--exclude = 不发送的记录编号
help-visitor-share--include-hidden = 仍要发送的隐藏记录编号（否则隐藏的记录不会发送）
help-visitor-share--preview = 只列出将发送的内容；不发送
help-visitor-share--yes = 发送时不要求确认（用于脚本）
help-trust-install--file = 信任包文件（`authority init` 生成 authority/trust-bundle.bin）
help-demo--out = 演示生成海报的目录
help-demo--web-app = 从此目录提供已构建的访客网页应用（`scripts/build-web.sh` 生成 `web/dist`），位于服务器的 /c，并在演示结束后保持服务器运行，使输出的海报网址可以在浏览器中打开
help-demo--listen = 演示服务器的地址（端口 0 表示自动选择空闲端口）
examples =
    示例（一台机器，每个角色一个目录）:
      venuecode --home /tmp/ha authority init
      venuecode server --data-dir /tmp/srv --ra-key /tmp/ha/ra/ra.key \
          --ha-keys /tmp/ha/authority/ha-signing.pub \
          --ha-encryption-key /tmp/ha/authority/ha-encryption.pub --admin-key /tmp/ha/ra/admin.pub \
          --trust-bundle /tmp/ha/authority/trust-bundle.bin
      venuecode --home /tmp/shop trust install /tmp/ha/authority/trust-bundle.bin
      venuecode --home /tmp/shop venue register --name 兰州牛肉面 --address 安宁区1号 \
          --region 620105 --category restaurant --pledge
      venuecode --home /tmp/shop venue poster --out ./poster
      venuecode --home /tmp/alice visitor scan 'https://vc.example/c#0123...'
      venuecode demo
examples-server =
    示例:
      venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \
          --trust-bundle trust-bundle.bin   # 在 /v1/trust-bundle 提供，用于密钥轮换
      # 在场所码基础路径提供访客网页应用（scripts/build-web.sh 生成 web/dist）：
      venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \
          --trust-bundle trust-bundle.bin --web-app web/dist --web-app-path /c
      # 由服务器自行提供 HTTPS（PEM 文件；私钥为 PKCS#8、SEC1 或 RSA 格式）：
      venuecode server --listen 0.0.0.0:443 --tls-cert fullchain.pem --tls-key key.pem \
          --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub
      # 在单独的本机回环端口为 Prometheus 提供指标（绝不放在公开端口上）：
      venuecode server --data-dir /var/lib/venuecode --ra-key ra.key --ha-keys ha.pub \
          --metrics-listen 127.0.0.1:9464
    不给出 --tls-cert/--tls-key 时服务器使用明文 HTTP：请让它只监听 127.0.0.1，并置于终结 TLS 的
    反向代理之后（见 README.md 的“TLS”一节）；此时所有连接都来自代理，因此请将
    --max-connections-per-ip 设为 --max-connections 的值。
examples-venue-poster =
    示例:
      venuecode --home ./shop venue poster --out ./print/poster   # 生成 poster.pdf、.svg、.png
examples-venue-display =
    示例:
      venuecode --home ./library venue display   # 在本机全屏打开输出的网址
      venuecode --home ./library venue display --listen 192.168.1.20:8090   # 局域网中的屏幕：打开输出的网址（含令牌）
examples-venue-count-tags =
    示例:
      venuecode --home ./shop venue count-tags
      # 定时任务（crontab）：5 0 * * * venuecode --home /srv/shop venue count-tags
examples-authority-checkpoint =
    示例:
      venuecode --home ./ha authority checkpoint
      # 定时任务（crontab）：0 * * * * venuecode --home /srv/ha authority checkpoint
examples-visitor-hide =
    示例:
      venuecode --home ./alice visitor hide 3   # 或 --unhide（重新显示）、--delete（删除）
clap-examples = 示例:

## Times, zones, base URLs and categories people type, refused.
time-bad-date = `{ $text }` 不是日期，格式如 2026-11-25
time-out-of-range = `{ $text }` 超出范围
time-bad-time = `{ $text }` 不是时间，格式如 2026-11-25 14:05 或 14:05
time-bad-time-in-zone = `{ $text }` 不是时间，格式如 2026-11-25 14:05 或 14:05（按 { $zone }），可带偏移量，如 14:05+08:00
time-zone-ambiguous = `{ $text }`：时区 `{ $abbreviation }` 有歧义或无法识别（例如 CST 可指中国、美国中部或古巴时间）；请写偏移量，如 09:30+08:00，或省略以使用 { $zone }
time-zone-not-in-database = 本系统的时区数据库中没有时区 `{ $zone }`；请给出偏移量，如 +08:00
time-zone-unreadable = 无法识别时区 `{ $zone }`：请给出偏移量（如 +08:00）、UTC，或时区名称（如 Asia/Shanghai）（CST 等缩写可指多个时区）
base-url-refused = `{ $url }` 不能作为场所码的基础网址：{ $reason }（示例：https://vc.example.cn/c）
base-url-not-https = 必须以 https:// 开头（http:// 仅限 127.0.0.1、[::1] 或 localhost，用于单机演练）
base-url-spaces = 含有空格或控制字符
base-url-fragment = 含有片段（#…），而那是场所码数字所在的位置
base-url-no-host = 没有主机名
base-url-user = 含有用户名
base-url-bad-host = 主机部分不是有效的主机名
base-url-no-path = 主机名之后没有路径，例如 /c
venue-pending-no-request = 其中没有登记申请
venue-pending-other-key = 它不是待审核登记所用的密钥
category-unknown = 未知类别 `{ $category }`；可选：{ $all }
