// Every string a person sees, in Chinese first and English second.
//
// The platform serves Chinese communities, so zh-CN is the default; staff
// from elsewhere and visitors can switch to English. The choice is kept in
// localStorage and the <html lang> attribute follows it, so screen readers
// pronounce the page in the right language.

const STORAGE_KEY = 'cg.lang';
export const LANGS = ['zh-CN', 'en'];

const zh = {
  'app.name': '城市网格',
  'app.tagline': '接诉即办 · 未诉先办',
  'app.loading': '正在加载…',
  'app.skip': '跳到主要内容',
  'lang.switch': 'English',
  'lang.switch.label': 'Switch to English',

  'nav.main': '主导航',
  'nav.report': '上报问题',
  'nav.onsite': '随手处置',
  'nav.mine': '我的上报',
  'nav.queue': '工作台',
  'nav.stats': '统计分析',
  'nav.signout': '退出',

  'role.resident': '居民',
  'role.grid_worker': '网格员',
  'role.dispatcher': '受理派遣员',
  'role.unit': '处置单位',
  'role.supervisor': '监督核查员',
  'role.admin': '管理员',

  'signin.title': '登录',
  'signin.lead': '随手拍、随时报：发现问题，拍照上报，全程可查。',
  'signin.username': '用户名',
  'signin.password': '密码',
  'signin.submit': '登录',
  'signin.busy': '正在登录…',
  'signin.demo': '演示账号（密码均为 {password}）：',
  'signin.demo.fill': '填入 {user}',

  'state.submitted': '待受理',
  'state.filed': '已立案',
  'state.dispatched': '已派遣',
  'state.handling': '处置中',
  'state.extension_pending': '延期审批中',
  'state.handled': '待核查',
  'state.closed': '已结案',
  'state.rejected': '已驳回',
  'state.withdrawn': '已撤回',
  'state.suspended': '已挂账',
  'state.merged': '已合并',
  'state.none': '未上报',

  'action.submit': '上报',
  'action.accept': '立案',
  'action.reject': '驳回',
  'action.dispatch': '派遣',
  'action.sign': '签收',
  'action.handle': '处置反馈',
  'action.close': '核查结案',
  'action.rework': '返工',
  'action.withdraw': '撤回',
  'action.self_handle': '自处理',
  'action.return': '退单',
  'action.extend': '申请延期',
  'action.approve_extension': '批准延期',
  'action.deny_extension': '驳回延期',
  'action.suspend': '挂账',
  'action.resume': '恢复办理',
  'action.merge': '合并',
  'action.escalate': '督办',
  'action.rate': '评价',
  'action.reopen': '重新办理',

  'rating.satisfied': '满意',
  'rating.basically_satisfied': '基本满意',
  'rating.unsatisfied': '不满意',

  'report.title': '上报问题',
  'report.onsite.title': '随手处置',
  'report.onsite.lead': '现场发现、现场解决：拍下处置后的照片，填写处置说明，提交即结案。',
  'report.lead': '拍照、选类别、在地图上点出位置，我们会交给负责的单位处理。',
  'report.photos': '现场照片',
  'report.photos.add': '拍照或选择照片',
  'report.photos.hint': '最多 9 张；可多次添加。',
  'report.photos.remove': '移除第 {n} 张照片',
  'report.photos.preview': '第 {n} 张照片预览',
  'report.category': '问题类别',
  'report.category.big': '大类',
  'report.category.small': '小类',
  'report.category.choose': '请选择',
  'report.title.field': '标题（可选）',
  'report.description': '问题描述',
  'report.description.ph': '例如：3 号楼单元门前堆放建筑垃圾，影响通行。',
  'report.note': '处置说明',
  'report.note.ph': '例如：已清理完毕，恢复通行。',
  'report.location': '问题位置',
  'report.location.hint': '在地图上点一下问题所在位置，可拖动图钉微调。',
  'report.location.mine': '使用我的位置',
  'report.location.none': '尚未选择位置',
  'report.location.locating': '正在确定所属网格…',
  'report.location.area': '所属区域',
  'report.location.route': '将交由 {unit} 处置',
  'report.location.outside': '该位置不在本平台服务范围内，请重新选择。',
  'report.address': '详细地址（可选）',
  'report.address.ph': '例如：电子路 12 号院 3 号楼东侧',
  'report.submit': '提交上报',
  'report.submit.onsite': '提交并结案',
  'report.busy': '正在提交…',
  'report.need.photo': '请至少添加一张照片。',
  'report.need.category': '请选择问题类别。',
  'report.need.location': '请在地图上点出问题位置。',
  'report.need.description': '请用至少两个字描述问题。',
  'report.need.note': '请填写处置说明。',
  'report.need.phone': '联系电话只能包含数字、空格、“+”“-”和括号。',
  'report.done': '上报成功，案件编号 {id}。',
  'report.done.onsite': '已处置结案，案件编号 {id}。',
  'report.geo.fail': '无法获取您的位置：{message}',

  'map.label': '地图：点击选择位置',
  'map.case': '案件位置地图',
  'map.center': '地图中心',
  'map.center.outside': '不在服务范围内',

  'mine.title': '我的上报',
  'mine.empty': '您还没有上报过问题。',
  'mine.new': '上报新问题',

  'list.due': '办理时限 {when}',
  'list.reported': '上报于 {when}',
  'list.overdue': '已超期',
  'list.escalated': '督办',
  'list.noPhoto': '无照片',
  'list.prev': '上一页',
  'list.next': '下一页',
  'list.page': '第 {page} / {pages} 页，共 {total} 件',
  'list.empty': '没有符合条件的案件。',

  'queue.title': '工作台',
  'queue.tabs': '案件状态',
  'queue.all': '全部',
  'queue.overdue': '已超期',
  'queue.search': '搜索描述或标题',
  'queue.search.button': '搜索',
  'queue.area': '区域',
  'queue.category': '类别',
  'queue.filter.apply': '筛选',
  'queue.filter.clear': '清除',
  'queue.col.case': '案件',
  'queue.col.category': '类别',
  'queue.col.area': '区域',
  'queue.col.state': '状态',
  'queue.col.unit': '处置单位',
  'queue.col.due': '时限',

  'area.any': '全部区域',
  'area.level.district': '区',
  'area.level.street': '街道',
  'area.level.community': '社区',
  'area.level.grid': '网格',
  'category.any': '全部类别',

  'case.title': '案件 {id}',
  'case.back': '返回',
  'case.ref': '编号',
  'case.state': '状态',
  'case.category': '类别',
  'case.area': '区域',
  'case.address': '地址',
  'case.level': '等级',
  'case.channel': '渠道',
  'case.unit': '处置单位',
  'case.reported': '上报时间',
  'case.due': '办理时限',
  'case.closed': '结案时间',
  'case.reporter': '上报人',
  'case.phone': '联系电话',
  'case.route': '派单依据',
  'case.rating': '群众评价',
  'case.version': '版本',
  'case.before': '处置前',
  'case.after': '处置后',
  'case.noPhotos': '暂无照片',
  'case.timeline': '办理过程',
  'case.actions': '可办理的操作',
  'case.noActions': '当前没有需要您办理的操作。',
  'case.photo.open': '查看原图',
  'case.event.by': '{actor}（{role}）',
  'case.event.unit': '处置单位：{unit}',
  'case.event.rating': '评价：{rating}',
  'case.event.due': '时限至 {when}',
  'case.stale': '案件已被他人更新，已重新加载。',
  'case.done': '已{action}。',
  'case.rated': '感谢您的评价：{rating}',
  'case.rate.prompt': '对处理结果满意吗？',
  'case.rate.note': '评价说明（可选）',
  'case.overdue': '已超期',
  'case.notFound': '找不到这个案件，或您无权查看。',

  'form.note': '说明',
  'form.note.required': '说明（必填）',
  'form.note.ph': '写明理由或处理情况',
  'form.photos': '处置照片（必填）',
  'form.unit': '派往单位',
  'form.unit.suggested': '（系统推荐）',
  'form.target': '合并到案件编号',
  'form.days': '延期天数（工作日）',
  'form.rating': '评价',
  'form.submit': '确认{action}',
  'form.cancel': '取消',
  'form.busy': '正在提交…',
  'form.uploading': '正在上传照片 {n}/{total}…',
  'form.need.note': '请填写说明。',
  'form.need.photo': '请至少上传一张处置照片。',
  'form.need.unit': '请选择派往单位。',
  'form.need.target': '请输入要合并到的案件编号。',
  'form.need.days': '请输入 1 到 60 之间的天数。',
  'form.confirm.withdraw': '撤回后案件将不再办理。确定撤回吗？',

  'stats.title': '统计分析',
  'stats.lead': '每项指标均附计算公式；可按区域、时段和截止时点查询。',
  'stats.area': '区域',
  'stats.category': '类别',
  'stats.from': '起始日期',
  'stats.to': '截止日期（含当日）',
  'stats.asOf': '统计时点',
  'stats.by': '分组',
  'stats.by.none': '不分组',
  'stats.by.area': '按区域',
  'stats.by.category': '按类别',
  'stats.by.unit': '按处置单位',
  'stats.apply': '查询',
  'stats.asOfNote': '数据截至 {when}',
  'stats.formula': '公式：{formula}',
  'stats.fraction': '{num} / {den}',
  'stats.table': '分组明细',
  'stats.table.name': '名称',
  'stats.none': '—',
  'stats.noGroups': '该条件下没有分组数据。',

  // What the server's error codes mean, for people (see explain() in
  // api.js). The server's own sentence stays on the error as `detail`.
  'errcode.bad_credentials': '用户名或密码不正确。',
  'errcode.too_many_attempts': '该账号密码错误次数过多，请 15 分钟后再试。',
  'errcode.unsupported_photo': '只能上传 JPEG、PNG 或 WebP 格式的照片。',
  'errcode.photo_too_large': '照片太大（不超过 10 MB、1 亿像素），请换一张或压缩后再传。',
  'errcode.bad_photo': '照片无法读取，可能已损坏或不完整，请重新拍摄。',
  'errcode.too_many_photos': '每次最多上传 9 张照片。',
  'errcode.too_large': '提交的内容太大，请减少照片数量或压缩后再试。',
  'errcode.forbidden': '您没有权限进行此操作，或该案件不在您的管辖范围内。',
  'errcode.csrf': '页面已过期，请刷新后重试。',
  'errcode.unauthenticated': '请先登录。',
  'errcode.not_found': '找不到该内容，或您无权查看。',
  'errcode.invalid_transition': '案件状态已变化，当前不能进行此操作，请刷新后查看。',
  'errcode.stale_version': '案件刚被他人更新，已为您重新加载，请确认后再操作。',
  'errcode.conflict': '他人正在同时处理此案件，请刷新后重试。',
  'errcode.outside_area': '所选位置不在本平台服务的区域内。',
  'errcode.missing_location': '请在地图上标出问题位置。',
  'errcode.invalid_location': '位置坐标无效，请重新在地图上标注。',
  'errcode.unknown_category': '所选类别不存在，请重新选择。',
  'errcode.unknown_area': '所选区域不存在，请重新选择。',
  'errcode.unknown_unit': '所选处置单位不存在，请重新选择。',
  'errcode.unknown_photo': '照片尚未上传成功，请重新添加照片。',
  'errcode.invalid_target': '要合并到的案件不存在、不可见或不能合并。',
  'errcode.no_owner': '该区域尚未设置属地处置单位，请联系管理员。',
  'errcode.username_taken': '该用户名已被使用。',
  'errcode.unavailable': '系统繁忙，请稍后重试。',
  'errcode.internal': '系统出现错误，已记录，请稍后重试。',
  'errcode.missing_photo': '请至少添加一张照片。',
  'errcode.missing_field': '有必填内容未填写，请检查后重试。',
  'errcode.invalid_field': '有内容的格式或长度不符合要求，请检查后重试。',
  'errcode.idempotency_key_reused': '提交的内容与上次不同，请重新提交。',
  'errcode.bad_multipart': '照片或表单没有完整送达，请重试。',
  'errcode.unsupported_type': '提交的格式不受支持，请刷新页面后重试。',
  'err.title': '出错了',
  'err.network': '网络连接失败，请稍后重试。',
  'err.unknown': '服务器返回了无法识别的应答（{status}）。',
  'err.signin': '请先登录。',
  'notfound.title': '页面不存在',
  'notfound.back': '返回首页',

  'punct.colon': '：',
  'punct.paren': '（{text}）',

  'report.behalf': '代居民上报（可选）',
  'report.behalf.hint': '替居民上报时填写，方便处置单位回访；居民本人上报无需填写。',
  'report.reporter_name': '居民姓名',
  'report.reporter_phone': '联系电话',
  'report.channel': '渠道',
  'report.channel.none': '不填写',
  'channel.phone': '电话',
  'channel.visit': '走访',
  'channel.web': '网上',
  'channel.hotline': '12345 热线',
  'channel.app': '手机应用',
  'report.switch.onsite': '现场已处理？改为随手处置',
  'report.switch.report': '尚未处理？改为上报问题',
  'report.switch.keep': '已填写的内容会保留。',
  'report.photos.type': '只能添加 JPEG、PNG 或 WebP 格式的照片，“{name}”未添加。',
  'report.photos.unreadable': '照片“{name}”无法读取，请换一张。',
  'report.photos.busy': '正在处理照片…',
  'report.goto': '按区域定位',
  'report.goto.hint': '不便在地图上找时，可逐级选择区、街道、社区，地图会移到该处，再点一下具体位置。',
  'map.legend': '地图显示区、街道、社区和网格的名称与边界，放大可看到更细的网格。',

  'case.rate.note.hint': '可以先写下原因，再点选评价。',
  'case.rate.confirm': '确定评价为“不满意”吗？写明原因有助于重新办理。',
  'case.rate.confirm.yes': '确认不满意',
  'case.rate.confirm.no': '先写原因',

  'form.unit.filter': '筛选单位',
  'form.unit.filter.ph': '输入单位名称中的字，如“环卫”',
  'form.unit.count': '共 {n} 个单位',
  'form.unit.none': '没有名称含“{q}”的单位',
  'form.unit.group.suggested': '系统推荐',
  'form.unit.group.department': '职能部门',
  'form.unit.group.local': '本区属地单位',
  'form.unit.group.other': '其他属地单位',
  'close': '关闭',
};

const en = {
  'app.name': 'CivicGrid',
  'app.tagline': 'Report it, we fix it',
  'app.loading': 'Loading…',
  'app.skip': 'Skip to main content',
  'lang.switch': '中文',
  'lang.switch.label': '切换到中文',

  'nav.main': 'Main navigation',
  'nav.report': 'Report a problem',
  'nav.onsite': 'Fix on the spot',
  'nav.mine': 'My reports',
  'nav.queue': 'Work queue',
  'nav.stats': 'Statistics',
  'nav.signout': 'Sign out',

  'role.resident': 'Resident',
  'role.grid_worker': 'Grid worker',
  'role.dispatcher': 'Dispatcher',
  'role.unit': 'Handling unit',
  'role.supervisor': 'Supervisor',
  'role.admin': 'Administrator',

  'signin.title': 'Sign in',
  'signin.lead': 'See a problem, take a photo, report it — and follow every step.',
  'signin.username': 'Username',
  'signin.password': 'Password',
  'signin.submit': 'Sign in',
  'signin.busy': 'Signing in…',
  'signin.demo': 'Demo accounts (password {password} for all):',
  'signin.demo.fill': 'Use {user}',

  'state.submitted': 'Awaiting intake',
  'state.filed': 'Filed',
  'state.dispatched': 'Dispatched',
  'state.handling': 'In progress',
  'state.extension_pending': 'Extension requested',
  'state.handled': 'Awaiting verification',
  'state.closed': 'Closed',
  'state.rejected': 'Rejected',
  'state.withdrawn': 'Withdrawn',
  'state.suspended': 'Suspended',
  'state.merged': 'Merged',
  'state.none': 'Not reported',

  'action.submit': 'Report',
  'action.accept': 'Accept',
  'action.reject': 'Reject',
  'action.dispatch': 'Dispatch',
  'action.sign': 'Sign for',
  'action.handle': 'Report handling',
  'action.close': 'Verify and close',
  'action.rework': 'Send back for rework',
  'action.withdraw': 'Withdraw',
  'action.self_handle': 'Fixed on the spot',
  'action.return': 'Return dispatch',
  'action.extend': 'Ask for extension',
  'action.approve_extension': 'Approve extension',
  'action.deny_extension': 'Deny extension',
  'action.suspend': 'Suspend',
  'action.resume': 'Resume',
  'action.merge': 'Merge',
  'action.escalate': 'Escalate',
  'action.rate': 'Rate',
  'action.reopen': 'Reopen',

  'rating.satisfied': 'Satisfied',
  'rating.basically_satisfied': 'Mostly satisfied',
  'rating.unsatisfied': 'Not satisfied',

  'report.title': 'Report a problem',
  'report.onsite.title': 'Fix on the spot',
  'report.onsite.lead': 'Found and fixed it yourself: add a photo of the result and a note; the case closes on submit.',
  'report.lead': 'Take a photo, pick a category and tap the place on the map; we route it to whoever is responsible.',
  'report.photos': 'Photos',
  'report.photos.add': 'Take or choose a photo',
  'report.photos.hint': 'Up to 9; you can add more than once.',
  'report.photos.remove': 'Remove photo {n}',
  'report.photos.preview': 'Preview of photo {n}',
  'report.category': 'Category',
  'report.category.big': 'Class',
  'report.category.small': 'Subclass',
  'report.category.choose': 'Choose…',
  'report.title.field': 'Title (optional)',
  'report.description': 'Description',
  'report.description.ph': 'e.g. Construction waste piled at the door of building 3, blocking the way.',
  'report.note': 'What was done',
  'report.note.ph': 'e.g. Cleared away; the path is open again.',
  'report.location': 'Location',
  'report.location.hint': 'Tap the map where the problem is; drag the pin to adjust.',
  'report.location.mine': 'Use my location',
  'report.location.none': 'No place chosen yet',
  'report.location.locating': 'Finding the grid…',
  'report.location.area': 'Area',
  'report.location.route': 'Will be handled by {unit}',
  'report.location.outside': 'This place is outside the area served here; choose another.',
  'report.address': 'Address (optional)',
  'report.address.ph': 'e.g. east side of building 3, No. 12 Dianzi Road',
  'report.submit': 'Submit report',
  'report.submit.onsite': 'Submit and close',
  'report.busy': 'Submitting…',
  'report.need.photo': 'Add at least one photo.',
  'report.need.category': 'Choose a category.',
  'report.need.location': 'Tap the place on the map.',
  'report.need.description': 'Describe the problem in at least two characters.',
  'report.need.note': 'Say what was done.',
  'report.need.phone': 'A phone number may only have digits, spaces, +, - and brackets.',
  'report.done': 'Reported. Case number {id}.',
  'report.done.onsite': 'Handled and closed. Case number {id}.',
  'report.geo.fail': 'Could not get your location: {message}',

  'map.label': 'Map: tap to choose the place',
  'map.case': 'Map of the case location',
  'map.center': 'Map centre',
  'map.center.outside': 'outside the area served',

  'mine.title': 'My reports',
  'mine.empty': 'You have not reported anything yet.',
  'mine.new': 'Report a new problem',

  'list.due': 'Due {when}',
  'list.reported': 'Reported {when}',
  'list.overdue': 'Overdue',
  'list.escalated': 'Escalated',
  'list.noPhoto': 'No photo',
  'list.prev': 'Previous',
  'list.next': 'Next',
  'list.page': 'Page {page} of {pages}, {total} cases',
  'list.empty': 'No cases match.',

  'queue.title': 'Work queue',
  'queue.tabs': 'Case states',
  'queue.all': 'All',
  'queue.overdue': 'Overdue',
  'queue.search': 'Search description or title',
  'queue.search.button': 'Search',
  'queue.area': 'Area',
  'queue.category': 'Category',
  'queue.filter.apply': 'Filter',
  'queue.filter.clear': 'Clear',
  'queue.col.case': 'Case',
  'queue.col.category': 'Category',
  'queue.col.area': 'Area',
  'queue.col.state': 'State',
  'queue.col.unit': 'Unit',
  'queue.col.due': 'Due',

  'area.any': 'All areas',
  'area.level.district': 'District',
  'area.level.street': 'Street',
  'area.level.community': 'Community',
  'area.level.grid': 'Grid',
  'category.any': 'All categories',

  'case.title': 'Case {id}',
  'case.back': 'Back',
  'case.ref': 'Reference',
  'case.state': 'State',
  'case.category': 'Category',
  'case.area': 'Area',
  'case.address': 'Address',
  'case.level': 'Level',
  'case.channel': 'Channel',
  'case.unit': 'Handling unit',
  'case.reported': 'Reported',
  'case.due': 'Due',
  'case.closed': 'Closed',
  'case.reporter': 'Reporter',
  'case.phone': 'Phone',
  'case.route': 'Routed because',
  'case.rating': 'Rating',
  'case.version': 'Version',
  'case.before': 'Before',
  'case.after': 'After',
  'case.noPhotos': 'No photos yet',
  'case.timeline': 'History',
  'case.actions': 'What you can do',
  'case.noActions': 'Nothing for you to do on this case now.',
  'case.photo.open': 'Open full size',
  'case.event.by': '{actor} ({role})',
  'case.event.unit': 'Unit: {unit}',
  'case.event.rating': 'Rating: {rating}',
  'case.event.due': 'Due {when}',
  'case.stale': 'The case changed; reloaded.',
  'case.done': 'Done: {action}.',
  'case.rated': 'Thank you for rating: {rating}',
  'case.rate.prompt': 'Are you happy with the result?',
  'case.rate.note': 'Comment (optional)',
  'case.overdue': 'Overdue',
  'case.notFound': 'This case does not exist or you may not see it.',

  'form.note': 'Note',
  'form.note.required': 'Note (required)',
  'form.note.ph': 'Give the reason or what was done',
  'form.photos': 'Photos of the result (required)',
  'form.unit': 'Dispatch to',
  'form.unit.suggested': ' (suggested)',
  'form.target': 'Merge into case number',
  'form.days': 'Extra working days',
  'form.rating': 'Rating',
  'form.submit': 'Confirm: {action}',
  'form.cancel': 'Cancel',
  'form.busy': 'Sending…',
  'form.uploading': 'Uploading photo {n} of {total}…',
  'form.need.note': 'Write a note.',
  'form.need.photo': 'Upload at least one photo of the result.',
  'form.need.unit': 'Choose a unit.',
  'form.need.target': 'Enter the case number to merge into.',
  'form.need.days': 'Enter a number of days from 1 to 60.',
  'form.confirm.withdraw': 'A withdrawn case is no longer handled. Withdraw it?',

  'stats.title': 'Statistics',
  'stats.lead': 'Every figure comes with its formula. Choose an area, a period and the moment to count at.',
  'stats.area': 'Area',
  'stats.category': 'Category',
  'stats.from': 'From',
  'stats.to': 'To (inclusive)',
  'stats.asOf': 'As of',
  'stats.by': 'Group',
  'stats.by.none': 'No grouping',
  'stats.by.area': 'By area',
  'stats.by.category': 'By category',
  'stats.by.unit': 'By unit',
  'stats.apply': 'Show',
  'stats.asOfNote': 'As of {when}',
  'stats.formula': 'Formula: {formula}',
  'stats.fraction': '{num} / {den}',
  'stats.table': 'Breakdown',
  'stats.table.name': 'Name',
  'stats.none': '—',
  'stats.noGroups': 'No groups for these filters.',

  // Only where a plain sentence reads better than the server's exact one;
  // for the others the server's sentence is shown.
  'errcode.bad_credentials': 'The username or password is wrong.',
  'errcode.csrf': 'This page has expired; reload it and try again.',
  'errcode.stale_version': 'Someone else just changed this case; it has been reloaded. Check it and try again.',
  'errcode.unavailable': 'The system is busy; try again in a moment.',
  'errcode.internal': 'Something went wrong on the server; it has been logged. Try again later.',
  'err.title': 'Something went wrong',
  'err.network': 'Could not reach the server; try again in a moment.',
  'err.unknown': 'The server gave an answer that could not be read ({status}).',
  'err.signin': 'Please sign in first.',
  'notfound.title': 'Page not found',
  'notfound.back': 'Back to start',

  'punct.colon': ': ',
  'punct.paren': ' ({text})',

  'report.behalf': 'Reporting for a resident (optional)',
  'report.behalf.hint': 'Fill in when you report for a resident, so the unit can call back.',
  'report.reporter_name': 'Resident\'s name',
  'report.reporter_phone': 'Phone',
  'report.channel': 'Channel',
  'report.channel.none': 'Not given',
  'channel.phone': 'Phone',
  'channel.visit': 'Visit',
  'channel.web': 'Online',
  'channel.hotline': '12345 hotline',
  'channel.app': 'Mobile app',
  'report.switch.onsite': 'Already fixed? Record it as fixed on the spot',
  'report.switch.report': 'Not fixed yet? Report it instead',
  'report.switch.keep': 'What you have filled in is kept.',
  'report.photos.type': 'Only JPEG, PNG or WebP photos can be added; "{name}" was not added.',
  'report.photos.unreadable': 'The photo "{name}" could not be read; choose another.',
  'report.photos.busy': 'Preparing photos…',
  'report.goto': 'Go to an area',
  'report.goto.hint': 'Choose the district, street and community to move the map there, then tap the exact place.',
  'map.legend': 'The map names districts, streets, communities and grids; zoom in for the grid outlines.',

  'case.rate.note.hint': 'You can write why first, then choose a rating.',
  'case.rate.confirm': 'Rate it "Not satisfied"? Saying why helps to handle it again.',
  'case.rate.confirm.yes': 'Yes, not satisfied',
  'case.rate.confirm.no': 'Write why first',

  'form.unit.filter': 'Filter units',
  'form.unit.filter.ph': 'Type part of a unit\'s name',
  'form.unit.count': '{n} units',
  'form.unit.none': 'No unit name contains "{q}"',
  'form.unit.group.suggested': 'Suggested',
  'form.unit.group.department': 'Departments',
  'form.unit.group.local': 'Offices in this district',
  'form.unit.group.other': 'Other offices',
  'close': 'Close',
};

const dictionaries = { 'zh-CN': zh, en };

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch (_) {
    /* storage may be disabled; fall back to the default */
  }
  return 'zh-CN';
}

let current = initialLang();
const listeners = new Set();

export function lang() {
  return current;
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch (_) {
    /* the choice then lasts for this page only */
  }
  applyDocumentLang();
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function applyDocumentLang() {
  document.documentElement.lang = current;
  document.title = t('app.name');
}

// Looks a key up in the current language, then Chinese, and fills {name}
// placeholders from params. A missing key shows itself, so it is noticed.
// Whether the current language (or Chinese) has a text for key.
export function has(key) {
  return key in dictionaries[current] || key in zh;
}

// Whether the current language itself has a text for key.
export function hasOwn(key) {
  return key in dictionaries[current];
}

// ': ' in English, '：' in Chinese, after a label.
export function colon(label) {
  return label + t('punct.colon');
}

export function t(key, params) {
  let s = dictionaries[current][key] ?? zh[key] ?? key;
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, name) =>
      params[name] === undefined || params[name] === null ? m : String(params[name]));
  }
  return s;
}

// Labels for the API's stable names (states, actions, roles, ratings),
// falling back to what the server sent when the name is new to the UI.
export function stateLabel(name, fallback) {
  const k = `state.${name}`;
  return dictionaries[current][k] || fallback || name;
}
export function actionLabel(name, fallback) {
  const k = `action.${name}`;
  return dictionaries[current][k] || fallback || name;
}
export function roleLabel(name) {
  return dictionaries[current][`role.${name}`] || name;
}
export function ratingLabel(name) {
  return dictionaries[current][`rating.${name}`] || name;
}

// Names from the database (areas, categories, units) are Chinese; English
// names are used when the catalogue has them.
// Lists and cases name a category by code and Chinese name only; the
// catalogue's English names are remembered here by code.
const englishNames = new Map();
export function rememberNames(items) {
  for (const it of items || []) {
    if (it.code && it.name_en) englishNames.set(it.code, it.name_en);
    if (it.children) rememberNames(it.children);
  }
}

export function localName(item) {
  if (!item) return '';
  if (current === 'en') {
    const en = item.name_en || englishNames.get(item.code);
    if (en) return en;
  }
  return item.name || '';
}

// Times come from the API as ISO 8601 with +08:00 and are always shown in
// Asia/Shanghai, whatever zone the phone or PC is set to.
const fmtCache = new Map();
function formatter(kind) {
  const key = `${current}:${kind}`;
  if (!fmtCache.has(key)) {
    const base = { timeZone: 'Asia/Shanghai', hourCycle: 'h23' };
    const opts = kind === 'date'
      ? { ...base, year: 'numeric', month: '2-digit', day: '2-digit' }
      : { ...base, year: 'numeric', month: '2-digit', day: '2-digit',
          hour: '2-digit', minute: '2-digit' };
    fmtCache.set(key, new Intl.DateTimeFormat(current, opts));
  }
  return fmtCache.get(key);
}

export function fmtDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatter('datetime').format(d);
}

export function fmtDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : formatter('date').format(d);
}

export function fmtNumber(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return t('stats.none');
  return new Intl.NumberFormat(current, {
    maximumFractionDigits: digits, minimumFractionDigits: digits,
  }).format(n);
}
